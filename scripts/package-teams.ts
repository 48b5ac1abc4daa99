import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import JSZip from 'jszip';
import { findRepoRoot } from './repo-root';

/** Bot domain used when none is given; a placeholder to replace before a real deployment. */
export const DEFAULT_BOT_DOMAIN = 'rapport.example.com';

/** Icon files the package carries, with the size Teams requires of each. */
export const TEAMS_ICONS = [
  { file: 'color.png', size: 192 },
  { file: 'outline.png', size: 32 },
] as const;

const TEMPLATE_FILE = 'manifest.template.json';
const GUID = /^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const GUID_EXAMPLE = '00000000-0000-0000-0000-000000000000';
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
// Host name (wildcard and port allowed); validDomains takes no scheme or path.
const DOMAIN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*(?::\\d+)?$`);
const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;
// Fixed entry dates keep the zip byte-for-byte reproducible.
const ZIP_DATE = new Date('2020-01-01T00:00:00Z');

/** Values substituted into the Teams manifest template. */
export interface TeamsManifestValues {
  /** The bot's Microsoft App ID (Entra app registration), a GUID. */
  appId: string;
  /** Host name the bot is served from, e.g. `rapport.example.com`. */
  botDomain: string;
}

/** Options for {@link buildTeamsPackage}. */
export interface TeamsPackageOptions {
  /** The bot's Microsoft App ID, a GUID. */
  appId: string;
  /** Host name the bot is served from; defaults to {@link DEFAULT_BOT_DOMAIN}. */
  botDomain?: string;
  /** Directory holding manifest.template.json, color.png and outline.png; defaults to manifests/teams. */
  manifestDir?: string;
}

/** True when `value` is a GUID such as `00000000-0000-0000-0000-000000000000`. */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** The repository's Teams manifest directory. */
export function defaultManifestDir(): string {
  return path.join(findRepoRoot(), 'manifests', 'teams');
}

/**
 * Parses the Teams manifest template and replaces its `{{MICROSOFT_APP_ID}}` and `{{BOT_DOMAIN}}`
 * placeholders. Substitution happens in parsed string values, so no value can break the JSON.
 *
 * @throws Error if `appId` is not a GUID, `botDomain` is not a host name, the template is not JSON,
 *   or the template uses a placeholder other than those two.
 */
export function fillTeamsManifest(template: string, values: TeamsManifestValues): Record<string, unknown> {
  if (!isGuid(values.appId)) {
    throw new Error(`The Microsoft App ID must be a GUID such as ${GUID_EXAMPLE}, got "${values.appId}"`);
  }
  if (!DOMAIN.test(values.botDomain)) {
    throw new Error(
      `The bot domain must be a bare host name such as ${DEFAULT_BOT_DOMAIN}, got "${values.botDomain}"`,
    );
  }
  const replacements: Record<string, string> = {
    MICROSOFT_APP_ID: values.appId,
    BOT_DOMAIN: values.botDomain,
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(template);
  } catch (error) {
    throw new Error(`The Teams manifest template is not valid JSON: ${(error as Error).message}`);
  }
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      return node.replace(PLACEHOLDER, (_match, name: string) => {
        const value = replacements[name];
        if (value === undefined)
          throw new Error(`Unknown placeholder {{${name}}} in the Teams manifest template`);
        return value;
      });
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value)]));
    }
    return node;
  };
  const filled = fill(parsed);
  if (filled === null || typeof filled !== 'object' || Array.isArray(filled)) {
    throw new Error('The Teams manifest template must be a JSON object');
  }
  return filled as Record<string, unknown>;
}

/** Reads width and height from a PNG's IHDR chunk, or throws if `data` is not a PNG. */
function pngSize(data: Buffer, name: string): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (
    data.length < 24 ||
    !data.subarray(0, 8).equals(signature) ||
    data.toString('latin1', 12, 16) !== 'IHDR'
  ) {
    throw new Error(`${name} is not a PNG file`);
  }
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

/**
 * Builds the Teams app package: a zip with manifest.json (the filled template), color.png and
 * outline.png at its root, ready to upload in Teams or the Developer Portal.
 *
 * @throws Error if the values are invalid (see {@link fillTeamsManifest}) or an icon is missing or
 *   has the wrong size.
 */
export async function buildTeamsPackage(options: TeamsPackageOptions): Promise<Buffer> {
  const dir = options.manifestDir ?? defaultManifestDir();
  const template = await readFile(path.join(dir, TEMPLATE_FILE), 'utf8');
  const manifest = fillTeamsManifest(template, {
    appId: options.appId,
    botDomain: options.botDomain ?? DEFAULT_BOT_DOMAIN,
  });
  const zip = new JSZip();
  zip.file('manifest.json', `${JSON.stringify(manifest, null, 2)}\n`, { date: ZIP_DATE });
  for (const icon of TEAMS_ICONS) {
    const data = await readFile(path.join(dir, icon.file));
    const { width, height } = pngSize(data, icon.file);
    if (width !== icon.size || height !== icon.size) {
      throw new Error(`${icon.file} must be ${icon.size}×${icon.size} pixels, but is ${width}×${height}`);
    }
    zip.file(icon.file, data, { date: ZIP_DATE });
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

/** Reads MICROSOFT_APP_ID and BOT_DOMAIN, writes build/rapport-teams.zip and returns its path. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const appId = env.MICROSOFT_APP_ID?.trim();
  if (!appId) {
    throw new Error(
      'MICROSOFT_APP_ID is not set: set it to the Microsoft App ID (a GUID) of the bot registration',
    );
  }
  if (!isGuid(appId)) {
    throw new Error(`MICROSOFT_APP_ID must be a GUID such as ${GUID_EXAMPLE}, got "${appId}"`);
  }
  const botDomain = env.BOT_DOMAIN?.trim() || DEFAULT_BOT_DOMAIN;
  if (!DOMAIN.test(botDomain)) {
    throw new Error(`BOT_DOMAIN must be a host name such as ${DEFAULT_BOT_DOMAIN}, got "${botDomain}"`);
  }
  const root = findRepoRoot();
  const zip = await buildTeamsPackage({
    appId,
    botDomain,
    manifestDir: path.join(root, 'manifests', 'teams'),
  });
  const out = path.join(root, 'build', 'rapport-teams.zip');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, zip);
  return out;
}

if (require.main === module) {
  main().then(
    (out) => console.log(out),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
