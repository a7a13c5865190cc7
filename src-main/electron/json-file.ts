/**
 * The shell's small JSON files in the user-data folder (the window's bounds, the recent databases): read
 * leniently (missing or broken: undefined, and the caller falls back to its defaults), written atomically
 * (a temporary file, then a rename), so that a crash mid-write cannot leave half a file.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The file's JSON value, or undefined when it is missing or not JSON. */
export function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export function writeJsonFile(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}
