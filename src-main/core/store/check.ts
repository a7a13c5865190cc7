/**
 * `weightlapse db check`: SQLite's integrity check over the whole database file, read-only. Every page is
 * read, so it takes about as long as reading the file once; the app never runs it on its own.
 */
import { openFileToCheck, type Db } from './db.ts';
import { DatabaseError } from './errors.ts';

export interface IntegrityReport {
  path: string;
  ok: boolean;
  /** False when the file could not even be opened to check it (missing, not a database, cut short). */
  checked: boolean;
  /** What SQLite found wrong, one line each, with the table a damaged b-tree belongs to where it can tell. */
  problems: string[];
}

/** SQLite stops listing after this many problems; the first ones say enough. */
const MAX_PROBLEMS = 100;

export function checkIntegrity(path: string): IntegrityReport {
  let db: Db;
  try {
    db = openFileToCheck(path);
  } catch (err) {
    // What cannot even be opened is the report itself (not a database, cut short, missing).
    if (err instanceof DatabaseError) return { path, ok: false, checked: false, problems: [err.message] };
    throw err;
  }
  try {
    let lines: string[];
    try {
      lines = (db.pragma(`integrity_check(${MAX_PROBLEMS})`) as { integrity_check: string }[]).flatMap((row) => row.integrity_check.split('\n'));
    } catch (err) {
      return { path, ok: false, checked: true, problems: [`SQLite could not finish its check: ${(err as Error).message}`] };
    }
    if (lines.length === 1 && lines[0] === 'ok') return { path, ok: true, checked: true, problems: [] };
    const tables = tablesByRootPage(db);
    const problems = lines
      .filter((line) => !line.startsWith('*** in database'))
      .map((line) => {
        const root = /^Tree (\d+) /.exec(line)?.[1];
        const table = root === undefined ? undefined : tables.get(Number(root));
        return table ? `${line} (in ${table})` : line;
      });
    return { path, ok: false, checked: true, problems };
  } finally {
    db.close();
  }
}

/** Which table or index each b-tree's root page belongs to (empty if the schema itself cannot be read). */
function tablesByRootPage(db: Db): Map<number, string> {
  try {
    const rows = db.prepare('SELECT type, name, rootpage FROM sqlite_schema WHERE rootpage > 0').all() as { type: string; name: string; rootpage: number }[];
    return new Map(rows.map((r) => [r.rootpage, `${r.type} ${r.name}`]));
  } catch {
    return new Map();
  }
}
