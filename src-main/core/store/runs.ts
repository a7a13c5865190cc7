/** Runs: one training of LeNet on one data set, with its config, status and timings. */
import { z } from 'zod';
import { runConfigSchema, type RunConfig, type RunDetail, type RunStatus, type RunSummary } from '../../../src-preload/api.ts';
import { now, schemaProblem, unreadable, type Db } from './db.ts';
import { isSameProcess, processStart } from './processes.ts';
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
  /** The group it is a member of (core/store/groups.ts). */
  groupId?: number;
}

/** A run as stored, read back into the contract's types. */
export interface StoredRun {
  id: number;
  name: string;
  datasetId: number | null;
  datasetName: string;
  /** Where the data set was when the run was made (kept when the data set's entry is removed). */
  datasetPath: string;
  inputShape: [number, number, number];
  classes: string[];
  config: RunConfig;
  status: RunStatus;
  backend: string | null;
  /** What trained the run and why (BackendInfo.summary) when its trainer last started. */
  backendSummary: string | null;
  error: string | null;
  /** The process responsible for the run while it is `running` (see markInterruptedRuns). */
  pid: number | null;
  /** When that process started, to tell it from another that got the same pid later (store/processes.ts). */
  pidStarted: string | null;
  trainSeconds: number;
  imagesPerSecond: number | null;
  createdAt: string;
  updatedAt: string;
  /** The latest snapshot's (fractional) epoch; null before the first. */
  lastEpoch: number | null;
  bestTestAccuracy: number | null;
  groupId: number | null;
}

/** The row as SQLite returns it; it never leaves this module. */
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
  pid_started: string | null;
  train_seconds: number;
  images_per_second: number | null;
  created_at: string;
  updated_at: string;
  last_epoch: number | null;
  best_test_accuracy: number | null;
  group_id: number | null;
}

const SELECT_RUN = `
  SELECT r.*,
         (SELECT MAX(epoch) FROM snapshots s WHERE s.run_id = r.id) AS last_epoch,
         (SELECT MAX(test_accuracy) FROM snapshots s WHERE s.run_id = r.id) AS best_test_accuracy
  FROM runs r`;

/** A stored run's settings: a key that a later release no longer has is dropped, not an unreadable run. */
const storedConfigSchema = z.object(runConfigSchema.shape);
const inputShapeSchema = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);
const classesSchema = z.array(z.string());

export function createRun(db: Db, run: NewRun): number {
  const at = now();
  const result = db
    .prepare(
      `INSERT INTO runs (name, dataset_id, dataset_name, dataset_path, input_shape, classes, config, status, pid, pid_started, group_id, created_at, updated_at)
       VALUES ($name, $datasetId, $datasetName, $datasetPath, $inputShape, $classes, $config, $status, $pid, $pidStarted, $groupId, $at, $at)`,
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
      pidStarted: run.pid === undefined ? null : processStart(run.pid),
      groupId: run.groupId ?? null,
      at,
    });
  return Number(result.lastInsertRowid);
}

/** A JSON column read through its schema: what no longer parses is an error naming the run and the column. */
function parseColumn<T>(row: RunRow, column: keyof RunRow & string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(String(row[column]));
  } catch (err) {
    throw unreadable(`run #${row.id}'s stored ${column}`, (err as Error).message);
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw unreadable(`run #${row.id}'s stored ${column}`, schemaProblem(parsed.error));
}

function toStored(row: RunRow): StoredRun {
  return {
    id: row.id,
    name: row.name,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    datasetPath: row.dataset_path,
    inputShape: parseColumn(row, 'input_shape', inputShapeSchema),
    classes: parseColumn(row, 'classes', classesSchema),
    config: parseColumn(row, 'config', storedConfigSchema),
    status: row.status,
    backend: row.backend,
    backendSummary: row.backend_summary,
    error: row.error,
    pid: row.pid,
    pidStarted: row.pid_started,
    trainSeconds: row.train_seconds,
    imagesPerSecond: row.images_per_second,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastEpoch: row.last_epoch,
    bestTestAccuracy: row.best_test_accuracy,
    groupId: row.group_id,
  };
}

export function getStoredRun(db: Db, id: number): StoredRun | undefined {
  const row = db.prepare(`${SELECT_RUN} WHERE r.id = $id`).get({ id }) as RunRow | undefined;
  return row && toStored(row);
}

function toSummary(run: StoredRun): RunSummary {
  return {
    id: run.id,
    name: run.name,
    datasetId: run.datasetId,
    datasetName: run.datasetName,
    status: run.status,
    backend: run.backend,
    epochsDone: Math.floor(run.lastEpoch ?? 0),
    epochs: run.config.epochs,
    bestTestAccuracy: run.bestTestAccuracy,
    inputShape: run.inputShape,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    error: run.error,
    groupId: run.groupId,
  };
}

export function listRuns(db: Db): RunSummary[] {
  const rows = db.prepare(`${SELECT_RUN} ORDER BY r.created_at DESC, r.id DESC`).all() as RunRow[];
  return rows.map((row) => toSummary(toStored(row)));
}

export function getRunSummary(db: Db, id: number): RunSummary | undefined {
  const run = getStoredRun(db, id);
  return run && toSummary(run);
}

export function getRun(db: Db, id: number): RunDetail | undefined {
  const run = getStoredRun(db, id);
  if (!run) return undefined;
  return {
    ...toSummary(run),
    config: run.config,
    classes: run.classes,
    tensors: tensorShapes(db, id),
    snapshots: listSnapshots(db, id),
    trainSeconds: run.trainSeconds,
    imagesPerSecond: run.imagesPerSecond,
    backendSummary: run.backendSummary,
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

/** Updates the given fields. A pid is recorded with its process's start, a cleared pid clears both. */
export function updateRun(db: Db, id: number, update: RunUpdate): void {
  const keys = (Object.keys(update) as (keyof RunUpdate)[]).filter((k) => update[k] !== undefined);
  const sets = keys.map((k) => `${COLUMNS[k]} = $${k}`);
  const values: Record<string, unknown> = Object.fromEntries(keys.map((k) => [k, update[k]]));
  if (update.pid !== undefined) {
    sets.push('pid_started = $pidStarted');
    values.pidStarted = update.pid === null ? null : processStart(update.pid);
  }
  db.prepare(`UPDATE runs SET ${[...sets, 'updated_at = $at'].join(', ')} WHERE id = $id`).run({ ...values, at: now(), id });
}

/** The statuses a run can be resumed from. */
const RESUMABLE = "('stopped', 'failed', 'interrupted')";

/**
 * Makes a stopped, failed or interrupted run `running` for process `pid`, in one statement: of two
 * processes that resume it at once, exactly one gets true. Its error is cleared.
 */
export function claimRun(db: Db, id: number, pid: number): boolean {
  return (
    db
      .prepare(
        `UPDATE runs SET status = 'running', error = NULL, pid = $pid, pid_started = $pidStarted, updated_at = $at
         WHERE id = $id AND status IN ${RESUMABLE}`,
      )
      .run({ id, pid, pidStarted: processStart(pid), at: now() }).changes > 0
  );
}

/** Deletes the run with its snapshots and tensors (cascade). */
export function removeRun(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM runs WHERE id = $id').run({ id }).changes > 0;
}

/** Whether the run's recorded process is still alive, and still the process that was recorded. */
export function runProcessAlive(run: Pick<StoredRun, 'pid' | 'pidStarted'>): boolean {
  return run.pid !== null && isSameProcess(run.pid, run.pidStarted);
}

/**
 * Runs left `running` whose process is gone (killed, power loss, or its pid now another program's after a
 * reboot) become `interrupted`: their completed snapshots are intact and `runs.resume` carries on from the
 * last one. Called when a store is opened. Returns the ids it changed.
 */
export function markInterruptedRuns(db: Db): number[] {
  const running = db.prepare(`SELECT id, pid, pid_started FROM runs WHERE status = 'running'`).all() as {
    id: number;
    pid: number | null;
    pid_started: string | null;
  }[];
  const stale = running.filter((r) => !runProcessAlive({ pid: r.pid, pidStarted: r.pid_started }));
  // Only if nothing changed since the look above: the trainer may have finished in between.
  const mark = db.prepare(
    `UPDATE runs SET status = 'interrupted', pid = NULL, pid_started = NULL, error = $error, updated_at = $at
     WHERE id = $id AND status = 'running' AND pid IS $pid`,
  );
  const error = 'its trainer process ended without finishing (killed, crashed, or the machine stopped)';
  return stale.filter((r) => mark.run({ id: r.id, pid: r.pid, error, at: now() }).changes > 0).map((r) => r.id);
}
