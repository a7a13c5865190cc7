/**
 * The databases opened lately, most recent first: a list the app keeps itself (recent-databases.json in the
 * user-data folder, shown under File → Open Recent on every platform), and the OS's own recent documents
 * (macOS's Dock menu and File → Open Recent, the Windows jump list) through Electron's
 * `app.addRecentDocument`, which main.ts passes in as `os`.
 */
import { readJsonFile, writeJsonFile } from './json-file.ts';

/** Electron's app, as far as recent documents go. */
export interface OsRecentDocuments {
  addRecentDocument(path: string): void;
  clearRecentDocuments(): void;
}

export interface RecentDatabases {
  /** Absolute paths, most recent first. */
  list(): readonly string[];
  /** Puts `path` first (once), keeping at most MAX_RECENT. */
  add(path: string): void;
  /** Drops `path` (a database that has gone) from the app's list; the OS keeps its own until cleared. */
  remove(path: string): void;
  clear(): void;
}

export const MAX_RECENT = 10;

export function recentDatabases(file: string, os: OsRecentDocuments): RecentDatabases {
  const saved = readJsonFile(file);
  let paths = Array.isArray(saved) ? saved.filter((p): p is string => typeof p === 'string' && p.length > 0).slice(0, MAX_RECENT) : [];
  return {
    list: () => paths,
    add(path) {
      paths = [path, ...paths.filter((p) => p !== path)].slice(0, MAX_RECENT);
      writeJsonFile(file, paths);
      os.addRecentDocument(path);
    },
    remove(path) {
      if (!paths.includes(path)) return;
      paths = paths.filter((p) => p !== path);
      writeJsonFile(file, paths);
    },
    clear() {
      paths = [];
      writeJsonFile(file, paths);
      os.clearRecentDocuments();
    },
  };
}
