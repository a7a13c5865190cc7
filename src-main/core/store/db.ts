/**
 * Opening the database: WAL, foreign keys, explicit `synchronous`, and migrations to the current
 * schema. A database written by a newer Weightlapse is refused and left untouched.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import type { ZodError } from 'zod';
import { dirname } from 'node:path';
import { ApiError } from '../../../src-preload/api.ts';
import { migrations } from './migrations.ts';

export type Db = Database.Database;

export class DatabaseVersionError extends Error {}

export const SCHEMA_VERSION = migrations.at(-1)!.version;

export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // Inside Electron, `npm start` points this at a better-sqlite3 build for Electron's ABI (src-main/electron/start.mjs).
  const nativeBinding = process.versions.electron ? process.env.WEIGHTLAPSE_SQLITE_BINDING || undefined : undefined;
  const db = new Database(path, { readonly: options.readonly ?? false, nativeBinding });
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new DatabaseVersionError(
        `${path} was written by a newer Weightlapse (schema ${version}; this version knows up to ${SCHEMA_VERSION}). ` +
          'It has not been changed. Update Weightlapse to open it.',
      );
    }
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // Set on every connection: a reopened WAL database would otherwise get a different default.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) migrate(db, version);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Db, from: number): void {
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  })();
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
