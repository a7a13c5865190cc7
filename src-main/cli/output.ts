/**
 * Where the exports write (`--out`): checked before any work starts, so that a path that cannot be used is
 * one line naming the option, not an hour of rendering followed by "unexpected error: ENOTDIR".
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError, UserError } from './common.ts';

/** The nearest folder at or above `path` that exists, and whether everything on the way is a folder. */
function nearestExisting(path: string): { path: string; isFolder: boolean } {
  for (let p = path; ; p = dirname(p)) {
    let stat;
    try {
      stat = statSync(p, { throwIfNoEntry: false });
    } catch {
      stat = undefined; // ENOTDIR: a file on the way up; the loop finds it
    }
    if (stat) return { path: p, isFolder: stat.isDirectory() };
    if (dirname(p) === p) return { path: p, isFolder: true };
  }
}

/** A folder to write into, made later if missing: refused when it, or a folder above it, is a file. */
export function outputFolder(flag: string, given: string): string {
  const out = resolve(given);
  const existing = nearestExisting(out);
  if (!existing.isFolder) {
    throw new UsageError(existing.path === out ? `${flag}: ${out} is a file; name a folder to write into` : `${flag}: ${existing.path} is a file, so ${out} cannot be made`);
  }
  return out;
}

/** A file to write: refused when it is a folder or its folder does not exist. */
export function outputFile(flag: string, given: string): string {
  const out = resolve(given);
  const found = nearestExisting(out);
  if (found.path === out && found.isFolder) throw new UsageError(`${flag}: ${out} is a folder; name the file to write`);
  const parent = dirname(out);
  if (found.path !== out && found.path !== parent) {
    if (!found.isFolder) throw new UsageError(`${flag}: ${found.path} is a file, so ${out} cannot be made`);
    throw new UsageError(`${flag}: the folder ${parent} does not exist`);
  }
  if (found.path !== out && !found.isFolder) throw new UsageError(`${flag}: ${parent} is a file, not a folder`);
  return out;
}

/** A file system error while writing the output, as one line naming the option (disk full, no permission). */
export function writeError(flag: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e?.code || !e.syscall) return err;
  const why: Record<string, string> = { ENOSPC: 'the disk is full', EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'a read-only file system', EISDIR: 'it is a folder', ENOTDIR: 'a file is in the way' };
  return new UserError(`${flag}: cannot write ${e.path ?? ''}: ${why[e.code] ?? e.code}`);
}
