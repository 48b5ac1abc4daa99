import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FORBIDDEN = [
  /^@slack\//,
  /^botbuilder/,
  /^botframework/,
  /^node-cron$/,
  /^pino/,
  /^better-sqlite3$/,
  /^(node:)?https?$/,
  /^(node:)?(fs|net|child_process)$/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const match of source.matchAll(pattern))
    specifiers.push((match[1] ?? match[2] ?? match[3] ?? match[4])!);
  return specifiers;
}

describe('architecture', () => {
  const coreFiles = sourceFiles(join(ROOT, 'src', 'core'));

  it('finds the core sources it checks', () => {
    expect(coreFiles.length).toBeGreaterThan(5);
  });

  it('keeps platform SDKs, cron, logging, SQLite and I/O out of src/core', () => {
    const violations = coreFiles.flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => FORBIDDEN.some((pattern) => pattern.test(specifier)))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(violations).toEqual([]);
  });

  it('keeps src/core from importing adapters', () => {
    const violations = coreFiles.flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => /^\.\.?\//.test(specifier))
        .filter((specifier) => !join(file, '..', specifier).startsWith(join(ROOT, 'src', 'core')))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(violations).toEqual([]);
  });

  /** Relative imports of the files under `from` that resolve to something `forbidden` matches. */
  function importsInto(from: string, forbidden: (target: string) => boolean): string[] {
    return sourceFiles(join(ROOT, 'src', from)).flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => /^\.\.?\//.test(specifier))
        .filter((specifier) => forbidden(relative(join(ROOT, 'src'), join(file, '..', specifier))))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
  }

  it('keeps src/channels from importing the composition root', () => {
    expect(importsInto('channels', (target) => target === 'main' || target === 'cli')).toEqual([]);
  });

  it('keeps src/store from importing a channel, the scheduler or the composition root', () => {
    expect(
      importsInto('store', (target) => /^(channels|scheduler|http)(\/|$)/.test(target) || target === 'main'),
    ).toEqual([]);
  });

  it('reads process.env only in src/config.ts', () => {
    const offenders = sourceFiles(join(ROOT, 'src'))
      .filter((file) => !file.endsWith(join('src', 'config.ts')))
      .filter((file) => /process\.env/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });

  it('detects a forbidden import when one is present (the check itself works)', () => {
    expect(
      importsOf("import { App } from '@slack/bolt';\nconst x = require('pino');").filter((s) =>
        FORBIDDEN.some((p) => p.test(s)),
      ),
    ).toEqual(['@slack/bolt', 'pino']);
  });
});
