import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds the repository root: the nearest directory at or above `start` that holds a package.json.
 * Scripts run both from `scripts/` (tests) and from `dist/scripts/` (compiled), so a fixed relative
 * path would be wrong in one of the two.
 */
export function findRepoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json found in ${start} or any directory above it`);
    dir = parent;
  }
}
