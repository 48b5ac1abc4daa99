/**
 * Writes the files a message carries (an export) into a directory, for the terminal channel and the
 * command line. Existing files are never overwritten: a second export the same day gets `-2`, `-3`….
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { MessageFile } from '../../core/messages';

/** Writes each file (UTF-8) into `dir`, creating it; returns the absolute paths written. */
export function writeMessageFiles(dir: string, files: readonly MessageFile[]): string[] {
  const target = resolve(dir);
  mkdirSync(target, { recursive: true });
  return files.map((file) => {
    // Names come from the core, but a file name must never climb out of the directory.
    const name = basename(file.name).replace(/^\.+/, '') || 'export';
    const extension = extname(name);
    const stem = name.slice(0, name.length - extension.length);
    let path = join(target, name);
    for (let n = 2; existsSync(path); n++) path = join(target, `${stem}-${n}${extension}`);
    writeFileSync(path, file.content, { encoding: 'utf8', flag: 'wx' });
    return path;
  });
}
