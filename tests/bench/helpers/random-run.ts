/**
 * What the benchmarks of the forward passes share (activations, analysis): runs of LeNet-shaped random
 * weights written straight into the store (the figures do not depend on the values), and the CPU time of
 * the benchmark and its forward-pass process. Not a benchmark itself: run.mjs runs only tests/bench/*.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { LAYERS, runConfigSchema, type LayerName, type TensorName } from '../../../src-preload/api.ts';
import type { Db } from '../../../src-main/core/store/db.ts';
import { createRun } from '../../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../../src-main/core/store/snapshots.ts';
import { LENET_SHAPES } from '../../helpers.ts';

/**
 * CPU time of this process and its children (the forward-pass process), in ms, where Linux's /proc says:
 * on a shared, loaded machine the wall-clock figures mostly measure waiting for a core, this does not.
 */
export function cpuMs(): number | null {
  if (process.platform !== 'linux') return null;
  const ticks = 100; // USER_HZ on Linux
  const own = process.cpuUsage();
  let children = 0;
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    for (const pid of readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      children += ((Number(fields[11]) + Number(fields[12])) * 1000) / ticks;
    }
  }
  return (own.user + own.system) / 1000 + children;
}

/** Stores snapshot `seq` of a run: random LeNet weights (a scale that makes ReLUs fire). */
export function storeRandomSnapshot(db: Db, runId: number, seq: number): void {
  const change = { norm: 1, relChangePrev: 0.01, relChangeInit: 0.1 };
  insertSnapshot(db, runId, {
    seq, epoch: seq,
    metrics: { trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5 },
    // As a run trained now stores it (else the page's per-class view would compute it, beside the maps).
    confusion: { classes: 10, counts: Uint32Array.from({ length: 100 }, (_, i) => (i % 11 === 0 ? 500 : 55)) },
    layers: Object.fromEntries(LAYERS.map((l) => [l, change])) as Record<LayerName, typeof change>,
    tensors: Object.entries(LENET_SHAPES).map(([name, shape]) => ({
      name: name as TensorName, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (Math.random() - 0.5) * 0.2),
    })),
  });
}

/** A finished run of `snapshots` snapshots of random weights on a 28×28×1, 10-class data set. */
export function storeRandomRun(db: Db, dataset: { id: number; path: string }, snapshots: number): number {
  const runId = createRun(db, {
    name: `bench ${snapshots}`, datasetId: dataset.id, datasetName: 'Fashion-MNIST', datasetPath: dataset.path, inputShape: [28, 28, 1],
    classes: Array.from({ length: 10 }, (_, i) => `class ${i}`), config: runConfigSchema.parse({ epochs: Math.max(1, snapshots - 1) }), status: 'done',
  });
  for (let seq = 0; seq < snapshots; seq++) storeRandomSnapshot(db, runId, seq);
  return runId;
}
