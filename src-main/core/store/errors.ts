/**
 * What SQLite says, said for a person: each fault of the database file (disk full, read-only, damaged,
 * busy, gone) becomes a `DatabaseError` whose message names the file, says what happened and what to do.
 * The CLI prints it as one line; the API returns it as data. SQLite's own words stay in brackets.
 */
import { ApiError } from '../../../src-preload/api.ts';

/** A database file that cannot be used as asked, and why; the message starts with or names the file. */
export class DatabaseError extends ApiError {
  constructor(message: string) {
    super('unavailable', message);
    this.name = 'DatabaseError';
  }
}

/** The SQLite error code of an error from better-sqlite3 (`SQLITE_FULL`, `SQLITE_READONLY_DBMOVED`, …). */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** The disk holding the database has no room for what was being written. */
export const isDiskFull = (err: unknown) => sqliteCode(err) === 'SQLITE_FULL' || err instanceof DiskFullError;

export class DiskFullError extends DatabaseError {}

/** How long a writer waits for another process's write to finish before giving up (SQLite's busy timeout). */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * The error as a `DatabaseError` naming `path` when SQLite raised it (or the file system did, while SQLite
 * was at it); anything else unchanged. `readOnly` is why the database is open read-only, if it is.
 */
export function describeStoreError(path: string, err: unknown, readOnly?: string): unknown {
  const code = sqliteCode(err);
  if (!code || err instanceof DatabaseError) return err;
  const said = `(SQLite: ${(err as Error).message})`;
  const base = code.replace(/^(SQLITE_[A-Z]+).*/, '$1');
  switch (base) {
    case 'SQLITE_FULL':
      return new DiskFullError(`disk full: there is no room to write to ${path} ${said}`);
    case 'SQLITE_READONLY':
      return new DatabaseError(`${path} is read-only${readOnly ? ` (${readOnly})` : ''}: training and edits are off ${said}`);
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new DatabaseError(`${path} is damaged ${said}; \`weightlapse db check\` lists what SQLite finds wrong`);
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new DatabaseError(
        `${path} stayed busy for more than ${BUSY_TIMEOUT_MS / 1000} s: another Weightlapse process is writing to it; try again ${said}`,
      );
    case 'SQLITE_IOERR':
      return new DatabaseError(`${path} could not be read or written: the disk or its connection failed ${said}`);
    case 'SQLITE_CANTOPEN':
      return new DatabaseError(`${path} cannot be opened ${said}`);
    default:
      return err;
  }
}
