/**
 * What other processes write to the same database — the CLI training while `serve` browses, a second
 * desktop window — seen live. SQLite's `data_version` changes when another connection commits (never for
 * this connection's own writes); then the runs and data sets are compared with the last look, and each
 * that changed is announced, as this process announces its own changes.
 */
import type { Db } from './db.ts';

export interface DatabaseChanges {
  run(runId: number): void;
  datasets(): void;
}

/** Every run's row as last seen: a new snapshot moves `updated_at`, a new status changes `status`. */
const RUNS = 'SELECT id, status || updated_at AS seen FROM runs';
const DATASETS = "SELECT group_concat(id || path || checksum || name, '|') FROM (SELECT * FROM datasets ORDER BY id)";

/** Starts looking every `intervalMs`; returns the function that stops it. */
export function watchOtherWriters(db: Db, changes: DatabaseChanges, intervalMs = 1000): () => void {
  const version = db.prepare('PRAGMA data_version').pluck();
  const readRuns = () => new Map((db.prepare(RUNS).all() as { id: number; seen: string }[]).map((r) => [r.id, r.seen]));
  const readDatasets = () => db.prepare(DATASETS).pluck().get() as string | null;
  let lastVersion = version.get();
  let runs = readRuns();
  let datasets = readDatasets();
  const look = () => {
    if (!db.open) return;
    try {
      const current = version.get();
      if (current === lastVersion) return;
      lastVersion = current;
      const now = readRuns();
      for (const id of new Set([...runs.keys(), ...now.keys()])) if (runs.get(id) !== now.get(id)) changes.run(id);
      runs = now;
      const nowDatasets = readDatasets();
      if (nowDatasets !== datasets) changes.datasets();
      datasets = nowDatasets;
    } catch (err) {
      // Busy or briefly unreadable: the next look catches up.
      console.warn(`weightlapse: could not look for other processes' changes: ${(err as Error).message}`);
    }
  };
  const timer = setInterval(look, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
