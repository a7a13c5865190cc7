/**
 * What keeping every epoch costs: the time spent on a snapshot (reading the weights, change statistics,
 * the SQLite transaction with each tensor's statistics) against an epoch's time, and the database bytes
 * per snapshot (tensors, snapshots and statistics) against the raw float32 bytes. Trains 2 epochs through the real trainer process on real Fashion-MNIST (the
 * bundled sample where the full set is not installed).
 *
 *   npm run bench snapshots     (or node --import tsx bench/snapshots.ts TRAIN_LIMIT for a quicker look)
 * Goals: a snapshot ≤ 2% of an epoch; database bytes within 5% of the raw float32 bytes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigSchema } from '../../src-preload/api.ts';
import { addDatasetFromDisk, BUNDLED_SAMPLE_DIR } from '../../src-main/core/datasets/registry.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import type { FromTrainer } from '../../src-main/trainer/protocol.ts';
import { startRun } from '../../src-main/core/training/service.ts';
import { trainersOf } from '../../src-main/core/training/trainers.ts';

const FULL = '/usr/share/datasets/fashion-mnist';
const trainLimit = Number(process.argv[2]) || undefined;
const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const dbPath = join(dir, 'bench.db');
const db = openDatabase(dbPath);
try {
  const data = existsSync(FULL) ? FULL : BUNDLED_SAMPLE_DIR;
  const { id: datasetId } = await addDatasetFromDisk(db, data);
  const ctx = { db, dbPath, emit: () => {} };
  let finished: Extract<FromTrainer, { type: 'finished' }> | undefined;
  trainersOf(ctx).onMessage((_id, m) => {
    if (m.type === 'finished') finished = m;
  });
  const epochs = 2;
  const run = await startRun(ctx, { datasetId, config: runConfigSchema.parse({ epochs, trainLimit }) });
  const status = await trainersOf(ctx).finished(run.id);
  if (!finished) throw new Error(`the run ended ${status} without its timings`);

  const snapshots = epochs + 1;
  const epochSeconds = (finished.trainSeconds + finished.evalSeconds) / epochs;
  const snapshotSeconds = finished.snapshotSeconds / snapshots;
  const { bytes } = db.prepare(`SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN ('tensors', 'sqlite_autoindex_tensors_1', 'snapshots', 'tensor_stats')`).get() as { bytes: number };
  const { raw } = db.prepare('SELECT SUM(length(data)) AS raw FROM tensors').get() as { raw: number };
  console.log(
    `${data}${trainLimit ? ` (first ${trainLimit} training images)` : ''}, ${finished.imagesTrained / epochs} images per epoch\n` +
      `epoch (train + test): ${epochSeconds.toFixed(2)} s; snapshot: ${(1000 * snapshotSeconds).toFixed(1)} ms ` +
      `= ${((100 * snapshotSeconds) / epochSeconds).toFixed(2)}% of an epoch (goal ≤ 2%)\n` +
      `database bytes per snapshot: ${(bytes / snapshots / 1e6).toFixed(3)} MB for ${(raw / snapshots / 1e6).toFixed(3)} MB of float32 ` +
      `(+${((100 * (bytes - raw)) / raw).toFixed(2)}%, goal ≤ 5%)`,
  );
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
