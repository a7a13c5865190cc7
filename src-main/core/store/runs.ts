/** Runs: one training of LeNet on one data set, with its config, status and timings. */
import type { RunConfig, RunDetail, RunStatus, RunSummary } from '../../../src-preload/api.ts';
import { now, type Db } from './db.ts';
import { listSnapshots, tensorShapes } from './snapshots.ts';

export interface NewRun {
  name: string;
  datasetId: number | null;
  datasetName: string;
  datasetPath: string;
  inputShape: [number, number, number];
  classes: string[];
  config: RunConfig;
  status?: RunStatus;
  /** The process responsible for the run while it is `running` (see markInterruptedRuns). */
  pid?: number;
}

interface RunRow {
  id: number;
  name: string;
  dataset_id: number | null;
  dataset_name: string;
  dataset_path: string;
  input_shape: string;
  classes: string;
  config: string;
  status: RunStatus;
  backend: string | null;
  backend_summary: string | null;
  error: string | null;
  pid: number | null;
  train_seconds: number;
  images_per_second: number | null;
  created_at: string;
  updated_at: string;
  epochs_done: number | null;
  best_test_accuracy: number | null;
}

const SELECT_RUN = `
  SELECT r.*,
         (SELECT MAX(epoch) FROM snapshots s WHERE s.run_id = r.id) AS epochs_done,
         (SELECT MAX(test_accuracy) FROM snapshots s WHERE s.run_id = r.id) AS best_test_accuracy
  FROM runs r`;

export function createRun(db: Db, run: NewRun): number {
  const at = now();
  const result = db
    .prepare(
      `INSERT INTO runs (name, dataset_id, dataset_name, dataset_path, input_shape, classes, config, status, pid, created_at, updated_at)
       VALUES ($name, $datasetId, $datasetName, $datasetPath, $inputShape, $classes, $config, $status, $pid, $at, $at)`,
    )
    .run({
      name: run.name,
      datasetId: run.datasetId,
      datasetName: run.datasetName,
      datasetPath: run.datasetPath,
      inputShape: JSON.stringify(run.inputShape),
      classes: JSON.stringify(run.classes),
      config: JSON.stringify(run.config),
      status: run.status ?? 'running',
      pid: run.pid ?? null,
      at,
    });
  return Number(result.lastInsertRowid);
}

/** The raw row, for the trainer: config, data set path and pid. */
export function getRunRow(db: Db, id: number): RunRow | undefined {
  return db.prepare(`${SELECT_RUN} WHERE r.id = $id`).get({ id }) as RunRow | undefined;
}

function toSummary(row: RunRow): RunSummary {
  const config = JSON.parse(row.config) as RunConfig;
  return {
    id: row.id,
    name: row.name,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    status: row.status,
    backend: row.backend,
    epochsDone: Math.floor(row.epochs_done ?? 0),
    epochs: config.epochs,
    bestTestAccuracy: row.best_test_accuracy,
    inputShape: JSON.parse(row.input_shape) as [number, number, number],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    error: row.error,
  };
}

export function listRuns(db: Db): RunSummary[] {
  return (db.prepare(`${SELECT_RUN} ORDER BY r.created_at DESC, r.id DESC`).all() as RunRow[]).map(toSummary);
}

export function getRunSummary(db: Db, id: number): RunSummary | undefined {
  const row = getRunRow(db, id);
  return row && toSummary(row);
}

export function getRun(db: Db, id: number): RunDetail | undefined {
  const row = getRunRow(db, id);
  if (!row) return undefined;
  return {
    ...toSummary(row),
    config: JSON.parse(row.config) as RunConfig,
    classes: JSON.parse(row.classes) as string[],
    tensors: tensorShapes(db, id),
    snapshots: listSnapshots(db, id),
    trainSeconds: row.train_seconds,
    imagesPerSecond: row.images_per_second,
    backendSummary: row.backend_summary,
  };
}

export interface RunUpdate {
  name?: string;
  status?: RunStatus;
  backend?: string;
  backendSummary?: string;
  error?: string | null;
  pid?: number | null;
  trainSeconds?: number;
  imagesPerSecond?: number | null;
}

const COLUMNS: Record<keyof RunUpdate, string> = {
  name: 'name',
  status: 'status',
  backend: 'backend',
  backendSummary: 'backend_summary',
  error: 'error',
  pid: 'pid',
  trainSeconds: 'train_seconds',
  imagesPerSecond: 'images_per_second',
};

export function updateRun(db: Db, id: number, update: RunUpdate): void {
  const keys = (Object.keys(update) as (keyof RunUpdate)[]).filter((k) => update[k] !== undefined);
  const sets = keys.map((k) => `${COLUMNS[k]} = $${k}`);
  db.prepare(`UPDATE runs SET ${[...sets, 'updated_at = $at'].join(', ')} WHERE id = $id`).run({
    ...Object.fromEntries(keys.map((k) => [k, update[k]])),
    at: now(),
    id,
  });
}

/** Deletes the run with its snapshots and tensors (cascade). */
export function removeRun(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM runs WHERE id = $id').run({ id }).changes > 0;
}

/** Whether a process with this id exists (EPERM: it does, but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs left `running` whose process is gone (killed, power loss) become `interrupted`: their completed
 * snapshots are intact and `runs.resume` carries on from the last one. Called when a store is opened.
 * Returns the ids it changed.
 */
export function markInterruptedRuns(db: Db, alive: (pid: number) => boolean = processAlive): number[] {
  const running = db.prepare(`SELECT id, pid FROM runs WHERE status = 'running'`).all() as { id: number; pid: number | null }[];
  const stale = running.filter((r) => r.pid === null || !alive(r.pid));
  // Only if nothing changed since the look above: the trainer may have finished in between.
  const mark = db.prepare(
    `UPDATE runs SET status = 'interrupted', pid = NULL, error = $error, updated_at = $at
     WHERE id = $id AND status = 'running' AND pid IS $pid`,
  );
  const error = 'its trainer process ended without finishing (killed, crashed, or the machine stopped)';
  return stale.filter((r) => mark.run({ id: r.id, pid: r.pid, error, at: now() }).changes > 0).map((r) => r.id);
}
