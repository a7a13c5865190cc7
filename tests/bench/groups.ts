/**
 * A group of 5 seeds against the same 5 runs one after another: wall time to train them all. The group
 * trains as core/training/parallel.ts says (on wasm: min(5, cores) processes, cores / processes threads each);
 * one after another, each run has every core's thread. Goal: the group at least as fast as the runs in turn.
 * Tiny runs on the bundled Fashion-MNIST sample (`BENCH_TRAIN` images, 2 epochs), wasm.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfigSchema, seedRange } from '../../src-preload/api.ts';
import { addDatasetFromDisk, BUNDLED_SAMPLE_DIR } from '../../src-main/core/dataset-registry.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { startGroup } from '../../src-main/core/training/groups.ts';
import { startRun, type TrainingContext } from '../../src-main/core/training/service.ts';
import { Trainers } from '../../src-main/core/training/trainers.ts';

const SEEDS = seedRange(5);
const TRAIN = Number(process.env.BENCH_TRAIN ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-groups-'));
const db = openDatabase(join(dir, 'bench.db'));
const ctx: TrainingContext = { db, emit: () => {}, trainers: new Trainers({ db, emit: () => {} }) };
try {
  const { id: datasetId } = await addDatasetFromDisk(db, BUNDLED_SAMPLE_DIR);
  const config = runConfigSchema.parse({ epochs: 2, batchSize: 64, trainLimit: TRAIN, testLimit: 200, backend: 'wasm' });
  console.log(`${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${SEEDS.length} seeds × ${TRAIN} images × 2 epochs, wasm`);
  // The backend probe once, before either clock starts.
  await ctx.trainers.backend({ choice: 'wasm', geometry: { shape: [28, 28, 1], classes: 10, batchSize: config.batchSize } });

  let t = performance.now();
  for (const seed of SEEDS) {
    const run = await startRun(ctx, { datasetId, config: { ...config, seed } });
    const status = await ctx.trainers.finished(run.id);
    if (status !== 'done') throw new Error(`run #${run.id} ended ${status}`);
  }
  const sequential = (performance.now() - t) / 1000;
  console.log(`one after another, all ${availableParallelism()} threads each: ${sequential.toFixed(1)} s`);

  t = performance.now();
  const group = await startGroup(ctx, { datasetId, kind: 'plain', seeds: SEEDS, config });
  for (const m of group.members) {
    const status = await ctx.trainers.finished(m.runId);
    if (status !== 'done') throw new Error(`member #${m.runId} ended ${status}`);
  }
  const grouped = (performance.now() - t) / 1000;
  console.log(`as a group, ${group.plan}: ${grouped.toFixed(1)} s (${(sequential / grouped).toFixed(2)}× the runs in turn)`);
  console.log(`goal: the group at most as slow as the runs in turn: ${grouped <= sequential ? 'met' : 'MISSED'}`);
} finally {
  await ctx.trainers.stopAll();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
