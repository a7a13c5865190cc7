/**
 * What keeping every epoch costs: the time spent on a snapshot (in the trainer: reading the weights,
 * change statistics, sending; in the core: the SQLite transaction with each tensor's statistics) against an
 * epoch's time, and the database bytes per snapshot (tensors, snapshots and statistics) against the raw float32 bytes. Trains 2 epochs through the real trainer process on real Fashion-MNIST (the
 * bundled sample where the full set is not installed).
 *
 *   npm run bench snapshots     (or node --import tsx bench/snapshots.ts TRAIN_LIMIT for a quicker look)
 * Goals: a snapshot ≤ 2% of an epoch; database bytes within 5% of the raw float32 bytes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigSchema, TENSOR_NAMES } from '../../src-preload/api.ts';
import { addDatasetFromDisk, BUNDLED_SAMPLE_DIR } from '../../src-main/core/dataset-registry.ts';
import { openDatabase, type Db } from '../../src-main/core/store/db.ts';
import { readResumeState } from '../../src-main/core/store/resume.ts';
import { getRun } from '../../src-main/core/store/runs.ts';
import { readTensor } from '../../src-main/core/store/snapshots.ts';
import type { FromTrainer, Snapshot } from '../../src-main/trainer/protocol.ts';
import { storeSnapshot } from '../../src-main/core/training/supervisor.ts';
import { startRun } from '../../src-main/core/training/service.ts';
import { Trainers } from '../../src-main/core/training/trainers.ts';

const FULL = '/usr/share/datasets/fashion-mnist';

/**
 * The core's share, which happens in its own process beside training: the run's last snapshot and resume
 * state stored again under new seqs, through the same transaction, timed per snapshot.
 */
function storeSeconds(db: Db, runId: number, times = 5): number {
  const last = getRun(db, runId)!.snapshots.at(-1)!;
  const state = readResumeState(db, runId)!;
  const tensors = TENSOR_NAMES.map((name) => ({ name, ...readTensor(db, runId, name, last.seq)! }));
  const t0 = performance.now();
  for (let k = 1; k <= times; k++) {
    const snapshot: Snapshot = { seq: last.seq + k, epoch: last.epoch, metrics: last.metrics, layers: last.layers, tensors };
    storeSnapshot(db, runId, snapshot, { ...state, seq: snapshot.seq });
  }
  return (performance.now() - t0) / 1000 / times;
}
const trainLimit = Number(process.argv[2]) || undefined;
const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const dbPath = join(dir, 'bench.db');
const db = openDatabase(dbPath);
try {
  const data = existsSync(FULL) ? FULL : BUNDLED_SAMPLE_DIR;
  const { id: datasetId } = await addDatasetFromDisk(db, data);
  const emit = () => {};
  const ctx = { db, emit, trainers: new Trainers({ db, emit }) };
  let finished: Extract<FromTrainer, { type: 'finished' }> | undefined;
  ctx.trainers.onMessage((_id, m) => {
    if (m.type === 'finished') finished = m;
  });
  const epochs = 2;
  const run = await startRun(ctx, { datasetId, config: runConfigSchema.parse({ epochs, trainLimit }) });
  const status = await ctx.trainers.finished(run.id);
  if (!finished) throw new Error(`the run ended ${status} without its timings`);

  const snapshots = epochs + 1;
  const epochSeconds = (finished.trainSeconds + finished.evalSeconds) / epochs;
  const trainerSeconds = finished.snapshotSeconds / snapshots;
  const { bytes } = db.prepare(`SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN ('tensors', 'sqlite_autoindex_tensors_1', 'snapshots', 'tensor_stats')`).get() as { bytes: number };
  const { raw } = db.prepare('SELECT SUM(length(data)) AS raw FROM tensors').get() as { raw: number };
  const coreSeconds = storeSeconds(db, run.id);
  const snapshotSeconds = trainerSeconds + coreSeconds;
  console.log(
    `${data}${trainLimit ? ` (first ${trainLimit} training images)` : ''}, ${finished.imagesTrained / epochs} images per epoch\n` +
      `epoch (train + test): ${epochSeconds.toFixed(2)} s; snapshot: ${(1000 * trainerSeconds).toFixed(1)} ms in the trainer ` +
      `+ ${(1000 * coreSeconds).toFixed(1)} ms stored by the core = ${((100 * snapshotSeconds) / epochSeconds).toFixed(2)}% of an epoch (goal ≤ 2%)\n` +
      `database bytes per snapshot: ${(bytes / snapshots / 1e6).toFixed(3)} MB for ${(raw / snapshots / 1e6).toFixed(3)} MB of float32 ` +
      `(+${((100 * (bytes - raw)) / raw).toFixed(2)}%, goal ≤ 5%)`,
  );
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
