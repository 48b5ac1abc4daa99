/**
 * `rapport doctor`: checks what a running Rapport depends on and prints a checklist of what is fine and
 * what to fix — the configuration (every problem, not only the first), the database (opens, schema
 * current, writable, quick_check), the platform credentials, and the Slack and Teams manifests against
 * the official schemas. Exit 0 when everything is fine, 1 otherwise.
 *
 * More credentials plug in as {@link DoctorCheck}s: a Slack installation store (one bot token per
 * workspace installed by OAuth) adds one check per installation beside the configured token's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from './config';
import { configProblems } from './config';
import { checkSlackAppToken, checkSlackBotToken } from './channels/slack/token-check';
import { checkTeamsCredentialShape, checkTeamsToken } from './channels/teams/token-check';
import { postgresLocation } from './store/database';
import { inspectPostgres, readPostgresInstallations } from './store/postgres/operations';
import { inspectDatabase, readSealedInstallations } from './store/sqlite/operations';
import { TokenKey } from './token-crypto';

export type Section = 'Configuration' | 'Database' | 'Credentials' | 'Manifests';

/** One line of the checklist. `skipped` lines neither pass nor fail (a check that could not run here). */
export interface Finding {
  section: Section;
  ok: boolean;
  skipped?: boolean;
  detail: string;
}

/** A check that runs once the configuration has loaded. */
export interface DoctorCheck {
  section: Section;
  run(config: Config): Promise<Finding[]>;
}

export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Ask Microsoft for a Teams token (a network call); otherwise the credentials' shape only. */
  online?: boolean;
  /** Where the offline manifest schemas are (default: found beside the program). */
  schemaDir?: string;
  /** The folder holding `manifests/` (default: the program's own). */
  root?: string;
  fetchFn?: typeof fetch;
  /** Checks added by other parts of the service (e.g. one per OAuth installation). */
  extraChecks?: DoctorCheck[];
}

export async function runDoctor(options: DoctorOptions = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { config, problems } = configProblems(options.env, options.cwd);
  for (const problem of problems)
    findings.push({ section: 'Configuration', ok: false, detail: `${problem.message} (see .env.example)` });
  if (config) {
    if (problems.length === 0)
      findings.push({ section: 'Configuration', ok: true, detail: describe(config) });
    const database = config.postgres
      ? await inspectPostgres(config.postgres.url, config.postgres.schema)
      : inspectDatabase(config.databasePath);
    for (const finding of database)
      findings.push({ section: 'Database', ok: finding.ok, detail: finding.detail });
    findings.push(...(await credentialFindings(config, { ...options, configFixed: problems.length > 0 })));
    for (const check of options.extraChecks ?? []) findings.push(...(await check.run(config)));
  }
  findings.push(...(await manifestFindings(options, config)));
  return findings;
}

function describe(config: Config): string {
  const platforms = [
    config.slack ? `Slack (${config.slack.appToken ? 'Socket Mode' : 'HTTP'})` : null,
    config.teams ? 'Teams' : null,
  ].filter(Boolean);
  const database = config.postgres
    ? postgresLocation(config.postgres.url, config.postgres.schema)
    : config.databasePath;
  return `loads: ${platforms.length ? platforms.join(' and ') : 'no platform (the terminal channel)'}, database ${database}`;
}

async function credentialFindings(
  config: Config,
  options: DoctorOptions & { configFixed: boolean },
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (check: { ok: boolean; detail: string }, skipped = false): void => {
    findings.push({ section: 'Credentials', ...check, ...(skipped ? { skipped } : {}) });
  };
  if (!config.slack && !config.teams && options.configFixed)
    add(
      { ok: true, detail: 'Slack and Teams credentials are checked once the configuration is fixed' },
      true,
    );
  else if (!config.slack && !config.teams)
    add({ ok: true, detail: 'no Slack or Teams credentials configured: nothing to check' });
  if (config.slack?.botToken)
    add(await checkSlackBotToken(config.slack, config.slack.botToken, options.fetchFn));
  if (config.slack?.oauth)
    for (const check of await installedSlackTokens(config, options.fetchFn)) add(check);
  if (config.slack?.appToken)
    add(await checkSlackAppToken({ ...config.slack, appToken: config.slack.appToken }, options.fetchFn));
  if (config.teams) {
    const shape = checkTeamsCredentialShape(config.teams);
    for (const check of shape) add(check);
    const online = !config.teams.unauthenticated && config.teams.appType !== 'UserAssignedMSI';
    if (online && shape.every((check) => check.ok)) {
      if (options.online) add(await checkTeamsToken(config.teams, { fetchFn: options.fetchFn }));
      else
        add(
          {
            ok: true,
            detail:
              'whether Microsoft accepts the Teams app id and password: run `rapport doctor --online` to ask',
          },
          true,
        );
    }
  }
  return findings;
}

/**
 * With OAuth install, each installed workspace's own bot token, opened with `TOKEN_ENCRYPTION_KEY` and
 * asked about with `auth.test`. Nothing installed yet is fine: `/slack/install` is how the first one comes.
 */
async function installedSlackTokens(
  config: Config,
  fetchFn: typeof fetch | undefined,
): Promise<{ ok: boolean; detail: string }[]> {
  const slack = config.slack!;
  const installed = config.postgres
    ? await readPostgresInstallations(config.postgres.url, config.postgres.schema, 'slack')
    : readSealedInstallations(config.databasePath, 'slack');
  if (installed.length === 0)
    return [{ ok: true, detail: 'no Slack workspace has installed Rapport yet (install at /slack/install)' }];
  const key = new TokenKey(config.tokenEncryptionKey!);
  const checks: { ok: boolean; detail: string }[] = [];
  for (const installation of installed) {
    const label = `the bot token of ${installation.id}`;
    let token: string | undefined;
    try {
      token = (JSON.parse(key.open(installation.sealedSecrets)) as { botToken?: string }).botToken;
    } catch {
      checks.push({
        ok: false,
        detail: `${label} cannot be opened with TOKEN_ENCRYPTION_KEY: set the key it was sealed with, or run \`rapport rekey\``,
      });
      continue;
    }
    if (!token)
      checks.push({ ok: false, detail: `${label} is missing: install Rapport in that workspace again` });
    else checks.push(await checkSlackBotToken(slack, token, fetchFn, label));
  }
  return checks;
}

const SLACK_MANIFESTS = ['manifests/slack/manifest.yaml', 'manifests/slack/manifest.socket-mode.yaml'];
const TEAMS_TEMPLATE = 'manifests/teams/manifest.template.json';
const SLACK_SCHEMA = 'slack-app-manifest.v1.schema.json';
const TEAMS_SCHEMA = 'teams-app-manifest.v1.22.schema.json';
/** Filled into the Teams template when no app id is configured: the check is about the manifest's shape. */
const SAMPLE_APP_ID = '00000000-0000-0000-0000-000000000000';

interface Validator {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}

/**
 * Validates the manifests in `manifests/` against the offline schemas (kept in `tests/fixtures/schemas`,
 * or `--schemas DIR`). The validators (ajv) and the YAML reader come with the development dependencies; in
 * an installation without them the check is skipped, saying so.
 */
async function manifestFindings(options: DoctorOptions, config: Config | null): Promise<Finding[]> {
  const root = options.root ?? programRoot();
  const schemaDir = options.schemaDir ?? findSchemaDir(root);
  const finding = (ok: boolean, detail: string, skipped = false): Finding => ({
    section: 'Manifests',
    ok,
    detail,
    ...(skipped ? { skipped } : {}),
  });
  if (!schemaDir)
    return [
      finding(
        true,
        'no manifest schemas found (tests/fixtures/schemas, or --schemas DIR): not checked',
        true,
      ),
    ];
  let tools: {
    Ajv: new (options: object) => AjvLike;
    Ajv04: new (options: object) => AjvLike;
    parseYaml: (text: string) => unknown;
  };
  try {
    tools = {
      Ajv: defaultExport(optionalRequire('ajv')),
      Ajv04: defaultExport(optionalRequire('ajv-draft-04')),
      parseYaml: (optionalRequire('yaml') as { parse: (text: string) => unknown }).parse,
    };
  } catch {
    return [
      finding(true, 'ajv and yaml are not installed (development dependencies): manifests not checked', true),
    ];
  }
  const schema = (name: string): object => JSON.parse(readFileSync(join(schemaDir, name), 'utf8')) as object;
  const findings: Finding[] = [];
  const check = (file: string, validate: Validator, load: () => unknown): void => {
    const path = join(root, file);
    if (!existsSync(path)) {
      findings.push(finding(false, `${file} is missing`));
      return;
    }
    let data: unknown;
    try {
      data = load();
    } catch (error) {
      findings.push(
        finding(false, `${file} does not parse: ${error instanceof Error ? error.message : String(error)}`),
      );
      return;
    }
    if (validate(data))
      findings.push(finding(true, `${file} validates against ${relative(root, schemaDir) || schemaDir}`));
    else
      findings.push(
        finding(
          false,
          `${file} does not validate: ${(validate.errors ?? [])
            .slice(0, 3)
            .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim())
            .join('; ')}`,
        ),
      );
  };
  const slack = compile(new tools.Ajv({ strict: false, allErrors: true }), schema(SLACK_SCHEMA));
  for (const file of SLACK_MANIFESTS)
    check(file, slack, () => tools.parseYaml(readFileSync(join(root, file), 'utf8')));
  const teams = compile(new tools.Ajv04({ strict: false, allErrors: true }), schema(TEAMS_SCHEMA));
  const appId = config?.teams?.appId || SAMPLE_APP_ID;
  check(TEAMS_TEMPLATE, teams, () =>
    JSON.parse(
      readFileSync(join(root, TEAMS_TEMPLATE), 'utf8')
        .replaceAll('{{MICROSOFT_APP_ID}}', appId)
        .replaceAll('{{BOT_DOMAIN}}', 'rapport.example.com'),
    ),
  );
  return findings;
}

/** A package that may be absent (a production install without development dependencies). */
function optionalRequire(name: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name) as unknown;
}

function defaultExport<T>(module: unknown): T {
  const withDefault = module as { default?: T };
  return withDefault.default ?? (module as T);
}

interface AjvLike {
  addFormat(name: string, test: (value: string) => boolean): unknown;
  compile(schema: object): Validator;
}

function compile(ajv: AjvLike, schema: object): Validator {
  // `uri` is the only format either schema uses (ajv-formats is not installed).
  ajv.addFormat('uri', (value) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && URL.canParse(value));
  return ajv.compile(schema);
}

/** The folder with Rapport's package.json, from the source (`src/`) or the build (`dist/src/`). */
function programRoot(): string {
  let dir = __dirname;
  for (let depth = 0; depth < 4; depth++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'manifests'))) return dir;
    dir = dirname(dir);
  }
  return resolve(__dirname, '..');
}

function findSchemaDir(root: string): string | null {
  const candidates = [join(root, 'tests', 'fixtures', 'schemas'), join(root, '..', 'shared', 'schemas')];
  return (
    candidates.find((dir) => existsSync(join(dir, SLACK_SCHEMA)) && existsSync(join(dir, TEAMS_SCHEMA))) ??
    null
  );
}

/** The checklist as printed: one line per finding, grouped by section, then what to do. */
export function formatChecklist(findings: Finding[]): string {
  const lines = ['Rapport doctor'];
  for (const section of ['Configuration', 'Database', 'Credentials', 'Manifests'] as const) {
    const inSection = findings.filter((finding) => finding.section === section);
    if (inSection.length === 0) continue;
    lines.push('', section);
    for (const finding of inSection)
      lines.push(`  ${finding.skipped ? '[skip]' : finding.ok ? '[ok]  ' : '[FIX] '} ${finding.detail}`);
  }
  const toFix = findings.filter((finding) => !finding.ok).length;
  lines.push(
    '',
    toFix === 0 ? 'All good.' : `${toFix} ${toFix === 1 ? 'thing' : 'things'} to fix (marked [FIX]).`,
  );
  return lines.join('\n');
}

/** `rapport doctor [--online] [--schemas DIR]`: prints the checklist; 0 when all is good, 1 otherwise. */
export async function doctorCommand(
  env: Record<string, string | undefined> | undefined,
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  usage: string,
): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      options: { online: { type: 'boolean' }, schemas: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    err.write(`rapport doctor: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    return 64; // EX_USAGE
  }
  const findings = await runDoctor({
    ...(env ? { env } : {}),
    online: values.online ?? false,
    ...(values.schemas ? { schemaDir: resolve(values.schemas) } : {}),
  });
  out.write(`${formatChecklist(findings)}\n`);
  return findings.every((finding) => finding.ok) ? 0 : 1;
}
