import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..', '..');

/**
 * Transpiles `entry` (a path from the repository root, e.g. `src/store/sqlite/sqlite-store.ts`) and every
 * source it imports by relative path into `outDir`, keeping the layout, and returns the path of the
 * entry's JavaScript. Lets a test run current sources in child processes without a build; package
 * imports resolve through `NODE_PATH` (see `childEnv`).
 */
export function transpileForChild(entry: string, outDir: string): string {
  const pending = [resolve(ROOT, entry)];
  const done = new Set<string>();
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    if (file.endsWith('.json')) {
      // Data imported by a source (the default playbook) is copied beside it as it is.
      const out = join(outDir, relative(ROOT, file));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, source);
      continue;
    }
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    const out = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
    for (const imported of ts.preProcessFile(source).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const path = resolve(dirname(file), imported.fileName);
      pending.push(path.endsWith('.json') ? path : `${path}.ts`);
    }
  }
  return join(outDir, entry).replace(/\.ts$/, '.js');
}

/** An environment for a child process running transpiled sources: packages from this checkout. */
export function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', NODE_PATH: join(ROOT, 'node_modules') };
}
