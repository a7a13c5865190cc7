/** What every CLI verb shares: the database option, ids and names checked as the API checks them, JSON output, and errors that read as messages. */
import type { Command } from 'commander';
import { statSync, type Stats } from 'node:fs';
import { ApiError, idSchema, nameSchema } from '../../src-preload/api.ts';
import { resolveDbPath } from '../core/paths.ts';
import { openDatabase, storeError, type Db } from '../core/store/db.ts';
import { sayJson, tell } from './terminal.ts';

/** A mistake the person can fix: printed as one line, exit code 1, no stack trace. */
export class UserError extends Error {}

/** A mistake in the command line itself (a bad or missing option value, options that do not go together): exit code 2. */
export class UsageError extends UserError {}

export interface GlobalOptions {
  db?: string;
  json?: boolean;
  verbose?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** What a special file is, for "is not a regular file". */
function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}

/**
 * The database file `--db` / `WEIGHTLAPSE_DB` / the default names, checked before SQLite sees it: an empty
 * `--db ''` (an unset variable) is refused rather than taken for the default; a device, pipe or folder is
 * refused (SQLite would block on a pipe, or call /dev/null a failed disk); and with `mustExist` (the verbs that
 * only read) a missing file is refused rather than created, folder and all.
 */
export function databaseFile(cmd: Command, { mustExist }: { mustExist: boolean }): string {
  const given = globalOptions(cmd).db;
  if (given !== undefined && given.trim() === '') throw new UsageError('--db: empty: name a database file (was the variable meant for it unset?)');
  const source = given !== undefined ? '--db' : process.env.WEIGHTLAPSE_DB ? 'WEIGHTLAPSE_DB' : 'the default database';
  const path = resolveDbPath(given);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw new UserError(`${source}: ${path} is ${kindOf(stat)}, not a database file`);
  if (!stat && mustExist) {
    throw new UserError(`${source}: ${path} does not exist (nothing is stored there yet: \`weightlapse train\` or \`data add\` makes it)`);
  }
  return path;
}

/**
 * Opens the database (see databaseFile), runs `fn`, closes it. `readOnly` verbs (listing, exporting) still
 * open it for writing (they mark runs left running by a crash), but never create it.
 */
export async function withDb<T>(cmd: Command, fn: (db: Db, dbPath: string) => Promise<T> | T, { readOnly = false } = {}): Promise<T> {
  const dbPath = databaseFile(cmd, { mustExist: readOnly });
  const db = openDatabase(dbPath);
  try {
    return await fn(db, dbPath);
  } catch (err) {
    throw storeError(db, err); // disk full, read-only, damaged: one line naming the file
  } finally {
    db.close();
  }
}

/** `--run 12`: a stored row's id, as the API takes it: digits only, exact (at most 2^53 − 1), never rounded. */
export function parseId(flag: string, value: string): number {
  // Number('1e3') and Number('0x10') are numbers too: digits only. Beyond 2^53 − 1 Number() rounds, and the schema refuses it.
  const parsed = idSchema.safeParse(/^\d+$/.test(value) ? Number(value) : NaN);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${flag}: ${JSON.stringify(value)} is not an id: ids are whole numbers from 1 to ${Number.MAX_SAFE_INTEGER} (2^53 − 1)`);
}

/** `--name …`: the API's rule for names (1 to 200 characters, no control characters). */
export function parseName(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = nameSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${flag}: ${parsed.error.issues[0]!.message}`);
}

/** An API error about `field` (or an item of it) as a mistake in the option `flag`; any other error as it is. */
export function asOptionError(err: unknown, field: string, flag: string): unknown {
  if (!(err instanceof ApiError) || (err.field !== field && !err.field?.startsWith(`${field}.`))) return err;
  return new UserError(`${flag}: ${err.message.replace(/^[\w.]+: /, '')}`);
}

/** `--json` prints exactly one JSON document on stdout; otherwise `human` prints for people. */
export function output(cmd: Command, value: unknown, human: () => void): void {
  if (globalOptions(cmd).json) sayJson(value);
  else human();
}

/** Known error kinds are the person's to fix; anything else is ours, and says so. */
export function isUserFacing(err: unknown): err is Error {
  return (
    err instanceof UserError ||
    err instanceof ApiError ||
    (err instanceof Error && (err as { userFacing?: boolean }).userFacing === true)
  );
}

/** Prints the error as one line (its stack only with WEIGHTLAPSE_DEBUG) and returns the exit code. */
export function reportError(err: unknown): number {
  if (isUserFacing(err)) {
    tell(`weightlapse: ${err.message}`);
    return err instanceof UsageError ? 2 : 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  tell(`weightlapse: unexpected error: ${message}`);
  if (process.env.WEIGHTLAPSE_DEBUG && err instanceof Error) tell(...(err.stack ?? '').split('\n'));
  else tell('(set WEIGHTLAPSE_DEBUG=1 for details)');
  return 1;
}
