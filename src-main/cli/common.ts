/** What every CLI verb shares: the database option, JSON output, and errors that read as messages. */
import type { Command } from 'commander';
import { ApiError } from '../../src-preload/api.ts';
import { resolveDbPath } from '../core/paths.ts';
import { openDatabase, storeError, type Db } from '../core/store/db.ts';

/** A mistake the person can fix: printed as one line, exit code 1, no stack trace. */
export class UserError extends Error {}

export interface GlobalOptions {
  db?: string;
  json?: boolean;
}

export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/** Opens the database named by `--db` / `WEIGHTLAPSE_DB` / the default, runs `fn`, closes it. */
export async function withDb<T>(cmd: Command, fn: (db: Db, dbPath: string) => Promise<T> | T): Promise<T> {
  const dbPath = resolveDbPath(globalOptions(cmd).db);
  const db = openDatabase(dbPath);
  try {
    return await fn(db, dbPath);
  } catch (err) {
    throw storeError(db, err); // disk full, read-only, damaged: one line naming the file
  } finally {
    db.close();
  }
}

/** An API error about `field` (or an item of it) as a mistake in the option `flag`; any other error as it is. */
export function asOptionError(err: unknown, field: string, flag: string): unknown {
  if (!(err instanceof ApiError) || (err.field !== field && !err.field?.startsWith(`${field}.`))) return err;
  return new UserError(`${flag}: ${err.message.replace(/^[\w.]+: /, '')}`);
}

/** `--json` prints exactly one JSON document on stdout; otherwise `human` prints for people. */
export function output(cmd: Command, value: unknown, human: () => void): void {
  if (globalOptions(cmd).json) process.stdout.write(`${JSON.stringify(value)}\n`);
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

export function reportError(err: unknown): number {
  if (isUserFacing(err)) {
    process.stderr.write(`weightlapse: ${err.message}\n`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`weightlapse: unexpected error: ${message}\n`);
    if (process.env.WEIGHTLAPSE_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('(set WEIGHTLAPSE_DEBUG=1 for details)\n');
  }
  return 1;
}
