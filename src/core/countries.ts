/**
 * Countries and their time zones (ISO 3166-1 alpha-2 codes; IANA zones), from `countries-and-timezones`:
 * what `partner set NAME country JP` accepts, the zone a country implies, the country a zone implies.
 * Offline data, no I/O.
 */
import { getCountry, getCountryForTimezone } from 'countries-and-timezones';

/** The code for `text` (`jp`, `JP`) when it is an ISO 3166-1 alpha-2 code, else null. */
export function countryCode(text: string): string | null {
  const code = text.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) return null;
  return getCountry(code) ? code : null;
}

/** `Japan` for `JP`; the code itself when unknown. */
export function countryName(code: string): string {
  return getCountry(code.toUpperCase())?.name ?? code;
}

/** The IANA zones a country uses (empty for an unknown code). */
export function countryTimeZones(code: string): readonly string[] {
  return getCountry(code.toUpperCase())?.timezones ?? [];
}

/** The country's zone when it has exactly one (`JP` → `Asia/Tokyo`), else null (`US` has many). */
export function soleTimeZone(code: string): string | null {
  const zones = countryTimeZones(code);
  return zones.length === 1 ? zones[0]! : null;
}

/**
 * The country a zone belongs to (`Asia/Tokyo` → `JP`, `Europe/London` → `GB`), or null for a zone of no
 * country (`UTC`). Several countries share some zones (Europe/London also serves Jersey and the Isle of
 * Man); the zone database lists the zone's home country first, and that is the one taken.
 */
export function countryOfTimeZone(zone: string): string | null {
  return getCountryForTimezone(zone)?.id ?? null;
}
