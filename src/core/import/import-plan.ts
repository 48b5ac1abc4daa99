/**
 * What importing a portfolio file would change, row by row: new partners, updated fields, unchanged rows,
 * and every row's mistakes with its line number. Pure: the caller gathers the workspace's partners and
 * resolves owners' e-mail addresses (an {@link OwnerResolver}, per platform) beforehand.
 *
 * A row never removes anything: an empty cell leaves the partner's value as it is, owners are only added,
 * and the first meeting and last contact become interactions (a `meeting` and a `call`, their notes saying
 * they were imported) only when they tell Rapport something it does not know yet — an earlier first
 * meeting, a later last contact.
 */
import { isValidTimeZone } from '../time';
import { placeForCountry } from '../features/partner-settings';
import { getCountry } from 'countries-and-timezones';
import { checkPartnerName } from '../commands/arguments';
import { readDate } from '../commands/dates';
import type { IsoDate, Partner, Stage } from '../model';
import { STAGES } from '../model';
import type { PartnerPatch } from '../ports';
import type { ImportRow } from './portfolio-csv';

/**
 * Finds the members that e-mail addresses belong to: Slack's `users.lookupByEmail`, the Teams roster, or
 * (the command line) the members the store knows.
 */
export interface OwnerResolver {
  /** The member id for each address asked about (lower-cased), null when no member has it. */
  membersByEmail(emails: readonly string[]): Promise<Map<string, string | null>>;
}

/** Notes of the interactions an import writes, so they can be told apart from logged ones. */
export const IMPORTED_NOTES = {
  meeting: 'Imported: first meeting',
  call: 'Imported: last contact',
} as const;

export interface ImportedInteraction {
  kind: 'meeting' | 'call';
  occurredOn: IsoDate;
  note: string;
}

interface PlannedBase {
  line: number;
  name: string;
  /** What would change, in words, e.g. `stage: exploring → signed`. */
  changes: string[];
  addOwners: string[];
  interactions: ImportedInteraction[];
}

export type PlannedRow =
  | (PlannedBase & {
      outcome: 'new';
      create: {
        stage: Stage;
        country: string | null;
        timeZone: string | null;
        signedOn: IsoDate | null;
        firstMetOn: IsoDate | null;
      };
      /** The first owner (who the partner is created by). */
      owner: string;
    })
  | (PlannedBase & { outcome: 'update' | 'unchanged'; partner: Partner; patch: PartnerPatch });

export interface RowError {
  line: number;
  name: string | null;
  problems: string[];
}

export interface ImportPlan {
  rows: PlannedRow[];
  errors: RowError[];
  ignoredColumns: string[];
}

/** A partner of the workspace as the plan compares against it. */
export interface ExistingPartner {
  partner: Partner;
  /** The day of the latest contact logged (meeting, call, visit either way, workshop, milestone). */
  lastContact: IsoDate | null;
}

export interface PlanInput {
  rows: readonly ImportRow[];
  ignoredColumns: string[];
  existing: readonly ExistingPartner[];
  /** Member id for each e-mail address the file names (lower-cased), null when unknown. */
  emails: ReadonlyMap<string, string | null>;
  /** Member ids of the workspace, for an `owner_ids` column. */
  memberIds: ReadonlySet<string>;
  /** Who owns a new partner whose row names no owner (the member importing in chat); none: an error. */
  defaultOwner: string | null;
  /** Today where the importer lives: dates after it are refused. */
  today: IsoDate;
}

/** How names are compared (as the store does): trimmed, case-insensitive. */
export function nameKey(name: string): string {
  return name.trim().toLocaleLowerCase('en');
}

/** Owners' e-mail addresses in a cell, lower-cased. */
export function emailsIn(cell: string | undefined): string[] {
  return (cell ?? '')
    .split(/[;,\s]+/)
    .map((email) => email.trim().toLowerCase())
    .filter(Boolean);
}

/** Every e-mail address the file names, once each (what the resolver is asked about). */
export function fileEmails(rows: readonly ImportRow[]): string[] {
  return [...new Set(rows.flatMap((row) => emailsIn(row.cells.ownerEmails)))];
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function planImport(input: PlanInput): ImportPlan {
  const byName = new Map(input.existing.map((e) => [nameKey(e.partner.name), e]));
  const firstLine = new Map<string, number>();
  const rows: PlannedRow[] = [];
  const errors: RowError[] = [];
  for (const row of input.rows) {
    const problems: string[] = [];
    const name = row.cells.name ?? '';
    const nameProblem = checkPartnerName(name);
    if (nameProblem) problems.push(nameProblem);
    const key = nameKey(name);
    const earlier = firstLine.get(key);
    if (name && earlier !== undefined) problems.push(`the name "${name}" is also on line ${earlier}`);
    else if (name) firstLine.set(key, row.line);
    const fields = readFields(row, input, problems);
    const found = byName.get(key);
    if (found && fields.stage === 'signed' && !fields.signedOn && !found.partner.signedOn)
      problems.push('a signed partner needs its signed date');
    if (problems.length) {
      errors.push({ line: row.line, name: name || null, problems });
      continue;
    }
    const planned = found ? planUpdate(row, found, fields) : planNew(row, name, fields, input, problems);
    if (planned) rows.push(planned);
    else errors.push({ line: row.line, name, problems });
  }
  return { rows, errors, ignoredColumns: input.ignoredColumns };
}

interface RowFields {
  stage?: Stage;
  signedOn?: IsoDate;
  country?: string;
  timeZone?: string;
  owners: string[];
  firstMeeting?: IsoDate;
  lastContact?: IsoDate;
}

function readFields(row: ImportRow, input: PlanInput, problems: string[]): RowFields {
  const { cells } = row;
  const fields: RowFields = { owners: [] };
  if (cells.stage) {
    const stage = cells.stage.toLowerCase();
    if ((STAGES as readonly string[]).includes(stage)) fields.stage = stage as Stage;
    else problems.push(`unknown stage "${cells.stage}" (one of: ${STAGES.join(', ')})`);
  }
  const day = (cell: string | undefined, label: string): IsoDate | undefined => {
    if (!cell) return undefined;
    const read = readDate(cell, input.today, 'past');
    if (read?.ok) return read.date;
    problems.push(`${label}: ${read ? read.error : `"${cell}" is not a date`}`);
    return undefined;
  };
  fields.signedOn = day(cells.signedOn, 'signed date');
  fields.firstMeeting = day(cells.firstMeeting, 'first meeting');
  fields.lastContact = day(cells.lastContact, 'last contact');
  if (cells.country) {
    const code = cells.country.toUpperCase();
    if (/^[A-Z]{2}$/.test(code) && getCountry(code)) fields.country = code;
    else problems.push(`unknown country code "${cells.country}" (use two letters, e.g. JP, DE, US)`);
  }
  if (cells.timeZone) {
    if (isValidTimeZone(cells.timeZone)) fields.timeZone = cells.timeZone;
    else problems.push(`unknown time zone "${cells.timeZone}" (an IANA zone such as Asia/Tokyo)`);
  }
  for (const email of emailsIn(cells.ownerEmails)) {
    const member = EMAIL.test(email) ? input.emails.get(email) : undefined;
    if (!EMAIL.test(email)) problems.push(`"${email}" is not an e-mail address`);
    else if (!member) problems.push(`no member has the e-mail ${email}`);
    else if (!fields.owners.includes(member)) fields.owners.push(member);
  }
  for (const id of (cells.ownerIds ?? '').split(';').map((part) => part.trim())) {
    if (!id) continue;
    if (!input.memberIds.has(id)) problems.push(`no member has the id ${id}`);
    else if (!fields.owners.includes(id)) fields.owners.push(id);
  }
  return fields;
}

function planNew(
  row: ImportRow,
  name: string,
  fields: RowFields,
  input: PlanInput,
  problems: string[],
): PlannedRow | null {
  const owners = fields.owners.length ? fields.owners : input.defaultOwner ? [input.defaultOwner] : [];
  const stage = fields.stage ?? (fields.signedOn ? 'signed' : 'exploring');
  if (owners.length === 0) problems.push('a new partner needs an owner (an "owners" column of e-mails)');
  if (stage === 'signed' && !fields.signedOn) problems.push('a signed partner needs its signed date');
  if (problems.length) return null;
  const interactions = importedInteractions(fields.firstMeeting, fields.lastContact);
  const changes = [`new, ${stage}`];
  if (fields.signedOn) changes.push(`signed ${fields.signedOn}`);
  if (fields.country) changes.push(`country ${fields.country}`);
  if (owners.length > 1) changes.push(`${owners.length} owners`);
  changes.push(...interactions.map(describeInteraction));
  return {
    outcome: 'new',
    line: row.line,
    name,
    changes,
    owner: owners[0]!,
    addOwners: owners.slice(1),
    interactions,
    create: {
      stage,
      country: fields.country ?? null,
      timeZone:
        fields.timeZone ??
        (fields.country ? placeForCountry({ timeZone: null }, fields.country).timeZone : null) ??
        null,
      signedOn: fields.signedOn ?? null,
      firstMetOn: fields.firstMeeting ?? null,
    },
  };
}

function planUpdate(row: ImportRow, found: ExistingPartner, fields: RowFields): PlannedRow {
  const { partner } = found;
  const patch: PartnerPatch = {};
  const changes: string[] = [];
  if (fields.stage && fields.stage !== partner.stage) {
    patch.stage = fields.stage;
    changes.push(`stage: ${partner.stage} → ${fields.stage}`);
  }
  if (fields.signedOn && fields.signedOn !== partner.signedOn) {
    patch.signedOn = fields.signedOn;
    changes.push(`signed date: ${partner.signedOn ?? 'none'} → ${fields.signedOn}`);
  }
  if (fields.country && fields.country !== partner.country) {
    // As `partner set NAME country` does: the country's only time zone comes with it.
    Object.assign(patch, placeForCountry(partner, fields.country));
    changes.push(`country: ${partner.country ?? 'none'} → ${fields.country}`);
  }
  if (fields.timeZone && fields.timeZone !== (patch.timeZone ?? partner.timeZone)) {
    changes.push(`time zone: ${patch.timeZone ?? partner.timeZone ?? 'none'} → ${fields.timeZone}`);
    patch.timeZone = fields.timeZone;
  }
  const addOwners = fields.owners.filter((owner) => !partner.owners.includes(owner));
  if (addOwners.length) changes.push(`owners: +${addOwners.length}`);
  const earlierMeeting =
    fields.firstMeeting && (!partner.firstMetOn || fields.firstMeeting < partner.firstMetOn)
      ? fields.firstMeeting
      : undefined;
  if (earlierMeeting) patch.firstMetOn = earlierMeeting;
  const knownContact = [found.lastContact, earlierMeeting].filter(Boolean).sort().pop();
  const laterContact =
    fields.lastContact && (!knownContact || fields.lastContact > knownContact)
      ? fields.lastContact
      : undefined;
  const interactions = importedInteractions(earlierMeeting, laterContact);
  changes.push(...interactions.map(describeInteraction));
  return {
    outcome: changes.length ? 'update' : 'unchanged',
    line: row.line,
    name: partner.name,
    changes,
    partner,
    patch,
    addOwners,
    interactions,
  };
}

/** The first meeting as a `meeting`, the last contact as a `call` unless it is that same meeting. */
function importedInteractions(firstMeeting?: IsoDate, lastContact?: IsoDate): ImportedInteraction[] {
  const out: ImportedInteraction[] = [];
  if (firstMeeting) out.push({ kind: 'meeting', occurredOn: firstMeeting, note: IMPORTED_NOTES.meeting });
  if (lastContact && lastContact !== firstMeeting)
    out.push({ kind: 'call', occurredOn: lastContact, note: IMPORTED_NOTES.call });
  return out;
}

function describeInteraction(interaction: ImportedInteraction): string {
  return interaction.kind === 'meeting'
    ? `first meeting ${interaction.occurredOn}`
    : `last contact ${interaction.occurredOn}`;
}
