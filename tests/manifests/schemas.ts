import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import Ajv04 from 'ajv-draft-04';

/** File name of the offline Slack app manifest schema (draft-07). */
export const SLACK_SCHEMA = 'slack-app-manifest.v1.schema.json';
/** File name of the offline Teams app manifest schema (draft-04). */
export const TEAMS_SCHEMA = 'teams-app-manifest.v1.22.schema.json';

/**
 * Finds the directory holding the offline manifest schemas. `RAPPORT_SHARED_DIR` (the `shared`
 * directory, or its `schemas` directory) wins; then `shared/schemas` next to the repository; then the
 * copies kept in `tests/fixtures/schemas`.
 */
export function findSchemaDir(): string {
  const candidates: string[] = [];
  const fromEnv = process.env.RAPPORT_SHARED_DIR;
  if (fromEnv) candidates.push(path.resolve(fromEnv, 'schemas'), path.resolve(fromEnv));
  candidates.push(
    path.resolve(__dirname, '../../../shared/schemas'),
    path.resolve(__dirname, '../fixtures/schemas'),
  );
  const found = candidates.find((dir) => existsSync(path.join(dir, SLACK_SCHEMA)));
  if (!found) {
    throw new Error(
      `No manifest schemas in ${candidates.join(', ')}; set RAPPORT_SHARED_DIR to the shared directory`,
    );
  }
  return found;
}

function loadSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(findSchemaDir(), name), 'utf8')) as Record<string, unknown>;
}

// ajv-formats is not installed; `uri` is the only format either schema uses.
function isUri(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && URL.canParse(value);
}

/** A validator for Slack app manifests (`_metadata.major_version` 1). */
export function slackManifestValidator(): ValidateFunction {
  // strict: false because the official schema carries non-standard keywords (`regex`, `_note`).
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uri', isUri);
  return ajv.compile(loadSchema(SLACK_SCHEMA));
}

/** A validator for Teams app manifests v1.22 (a JSON Schema draft-04 schema). */
export function teamsManifestValidator(): ValidateFunction {
  const ajv = new Ajv04({ strict: false, allErrors: true });
  ajv.addFormat('uri', isUri);
  return ajv.compile(loadSchema(TEAMS_SCHEMA));
}

/** Validates `data` and returns ajv's errors as readable lines; empty when valid. */
export function validationErrors(validate: ValidateFunction, data: unknown): string[] {
  if (validate(data)) return [];
  if (!validate.errors?.length) return ['invalid, but ajv reported no errors'];
  return validate.errors.map(
    (error) =>
      `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`,
  );
}
