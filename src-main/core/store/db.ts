/**
 * Opening the database: WAL, foreign keys, explicit `synchronous`, a busy timeout, and migrations to the
 * current schema.
 *
 * What cannot be used as it is gets refused with a message naming the file, and is left untouched: a file
 * that is not an SQLite database (never an empty new database written over it), one cut short, one whose
 * pages SQLite finds damaged, another program's database, and one written by a newer Weightlapse. A
 * database that cannot be written (a read-only file, folder or medium) is opened read-only for browsing;
 * `readOnlyReason` says why, and SQLite refuses every write.
 */
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import type { ZodError } from 'zod';
import { dirname } from 'node:path';
import { ApiError } from '../../../src-preload/api.ts';
import { BUSY_TIMEOUT_MS, DatabaseError, describeStoreError, sqliteCode } from './errors.ts';
import { migrations } from './migrations.ts';

export type Db = Database.Database;

export class DatabaseVersionError extends DatabaseError {}

export const SCHEMA_VERSION = migrations.at(-1)!.version;

// A database on a read-only medium is opened as `file:…?immutable=1`: SQLite reads URIs only when this is set
// before better-sqlite3 loads, which is the first `new Database` (no path of ours starts with "file:" otherwise).
process.env.SQLITE_USE_URI ??= '1';

/** The file each open database was opened from, and why it is read-only when it is. */
const opened = new WeakMap<Db, { path: string; readOnly?: string }>();

/** Why the database cannot be written (undefined when it can): the UI and `app.info` say it. */
export const readOnlyReason = (db: Db): string | undefined => opened.get(db)?.readOnly;

/** The file the database was opened from (`db.name` may be a URI). */
export const databasePath = (db: Db): string => opened.get(db)?.path ?? db.name;

/** `describeStoreError` for this database: SQLite's error as one that names its file. */
export const storeError = (db: Db, err: unknown): unknown => describeStoreError(databasePath(db), err, readOnlyReason(db));

export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  const memory = path === ':memory:';
  if (!memory) refuseNonDatabase(path);
  const readOnly = options.readonly ? 'opened read-only on request' : memory ? undefined : whyNotWritable(path);
  if (!memory && !readOnly && !existsSync(path)) mkdirSync(dirname(path), { recursive: true });
  const db = connect(path, readOnly);
  try {
    // Read together, in one read transaction: another process may be making the schema at this moment.
    const { version, tables } = db.transaction(() => ({
      version: db.pragma('user_version', { simple: true }) as number,
      tables: db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 4").pluck().all() as string[],
    }))();
    if (version > SCHEMA_VERSION) {
      throw new DatabaseVersionError(
        `${path} was written by a newer Weightlapse (schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
          'It has not been changed. Update Weightlapse to open it.',
      );
    }
    if (version === 0 && tables.length > 0) {
      // Tables without a schema version: another program's database, to be left alone.
      throw new DatabaseError(
        `${path} is another program's SQLite database (it has tables ${tables.join(', ')} but no Weightlapse schema). It has not been changed.`,
      );
    }
    if (readOnly && version < SCHEMA_VERSION) {
      throw new DatabaseError(
        `${path} ${version === 0 ? 'holds no Weightlapse data yet' : `is from an older Weightlapse (schema ${version}) and must be upgraded to schema ${SCHEMA_VERSION}`}, ` +
          `which needs writing to it, but it is read-only (${readOnly}). It has not been changed.`,
      );
    }
    if (!readOnly) {
      switchToWal(db);
      // Set on every connection: a reopened WAL database would otherwise get a different default.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (!readOnly && version < SCHEMA_VERSION) migrate(db);
    opened.set(db, { path, readOnly });
    return db;
  } catch (err) {
    db.close();
    throw memory ? err : describeStoreError(path, err, readOnly);
  }
}

/** The file as SQLite sees it, read-only, before any look at its schema: for `weightlapse db check`. */
export function openFileToCheck(path: string): Db {
  if (!existsSync(path)) throw new DatabaseError(`${path} does not exist`);
  refuseNonDatabase(path);
  const readOnly = 'opened read-only to check it';
  const db = connect(path, readOnly);
  opened.set(db, { path, readOnly });
  return db;
}

function connect(path: string, readOnly: string | undefined): Db {
  // Inside Electron, `npm start` points this at a better-sqlite3 build for Electron's ABI (src-main/electron/start.mjs).
  const nativeBinding = process.versions.electron ? process.env.WEIGHTLAPSE_SQLITE_BINDING || undefined : undefined;
  const settings = { nativeBinding, timeout: BUSY_TIMEOUT_MS };
  try {
    if (!readOnly) return new Database(path, settings);
    // A WAL database needs its -shm file; where it cannot be made, nothing can change the file either, and
    // SQLite may read it as immutable.
    const name = canCreateBeside(path) ? path : `file:${encodeURI(path).replace(/[?#]/g, encodeURIComponent)}?immutable=1`;
    return new Database(name, { ...settings, readonly: true, fileMustExist: true });
  } catch (err) {
    throw describeStoreError(path, err, readOnly);
  }
}

/**
 * Turns on WAL. Making that switch needs the file to itself for a moment, and when other processes open a new
 * database at the same moment SQLite answers "busy" at once instead of waiting its busy timeout: so wait and
 * try again here, for as long as that timeout. (Once one of them has switched, the mode is in the file.)
 */
function switchToWal(db: Db): void {
  const giveUpAt = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (sqliteCode(err) !== 'SQLITE_BUSY' || Date.now() > giveUpAt) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5); // a synchronous 5 ms pause
    }
  }
}

/** Why `path` cannot be written, or undefined when it can (a file yet to be made: when its folder can be). */
function whyNotWritable(path: string): string | undefined {
  const folder = dirname(path);
  const problem = (target: string) => {
    try {
      accessSync(target, constants.W_OK);
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'EROFS') return `${target} is on a read-only file system`;
      return target === path ? 'its file permissions do not allow writing' : `its folder ${folder} is not writable`;
    }
  };
  if (!existsSync(path)) {
    const missing = existsSync(folder) ? problem(folder) : undefined;
    if (missing) throw new DatabaseError(`${path} cannot be created: ${missing}`);
    return undefined;
  }
  // SQLite writes its -wal and -shm files beside the database: the folder must be writable as well.
  return problem(path) ?? (existsSync(`${path}-wal`) && existsSync(`${path}-shm`) ? undefined : problem(folder));
}

function canCreateBeside(path: string): boolean {
  if (existsSync(`${path}-shm`)) return true;
  try {
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/**
 * Refuses, before SQLite sees it, a file that is not an SQLite database (SQLite would take a short one for
 * an empty database and write over it) or that is shorter than its header says (copied or downloaded in part).
 */
function refuseNonDatabase(path: string): void {
  let size: number;
  try {
    const info = statSync(path);
    if (info.isDirectory()) throw new DatabaseError(`${path} is a folder, not a database file`);
    size = info.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (size === 0) return; // an empty file is an empty database: SQLite's own convention
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (size < HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new DatabaseError(`${path} is not a Weightlapse database: it is not an SQLite file at all. It has not been changed.`);
  }
  const pageSize = header.readUInt16BE(16) === 1 ? 65536 : header.readUInt16BE(16);
  const pages = header.readUInt32BE(28);
  // The page count is only valid when it was written with the last change (SQLite's own rule), and a WAL
  // with content may still hold pages the file has yet to receive.
  const countValid = header.readUInt32BE(92) === header.readUInt32BE(24);
  const walHolds = existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0;
  if (countValid && !walHolds && size < pages * pageSize) {
    throw new DatabaseError(
      `${path} is cut short: its header says ${pages * pageSize} bytes (${pages} pages), the file has ${size}; ` +
        'it was probably copied or downloaded only in part. It has not been changed: restore it from a complete copy.',
    );
  }
}

/**
 * Brings the schema up to date in one IMMEDIATE transaction that reads the version again inside it: two
 * processes opening a new database at once run each step once between them, never twice.
 */
function migrate(db: Db): void {
  db.transaction(() => {
    const from = db.pragma('user_version', { simple: true }) as number;
    for (const m of migrations.filter((m) => m.version > from)) {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

/** ISO timestamp, the one format every table uses. */
export const now = () => new Date().toISOString();

/** Stored data that no longer reads as it should: an error that says what and why, never a cast. */
export const unreadable = (what: string, reason: string) => new ApiError('failed', `${what} cannot be read: ${reason}`);

/** Why a stored value does not fit its schema: the first problem, with where it is ("epochs: Too big…"). */
export function schemaProblem(error: ZodError): string {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.');
  return `${field ? `${field}: ` : ''}${issue.message}`;
}
