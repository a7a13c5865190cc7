/** A real database file with runs whose snapshots hold deterministic weight series. */
import { join } from 'node:path';
import { LAYERS, runConfigSchema, type LayerChange, type LayerName, type TensorName } from '../../../../src-preload/api.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { createRun } from '../../../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../../../src-main/core/store/snapshots.ts';
import { LENET_SHAPES, tempDir } from '../../../helpers.ts';
import { makeSeries } from '../../shared/render/series.ts';

/** Three of LeNet's kernels: enough for every GIF layout. */
export const SHAPES: Partial<Record<TensorName, number[]>> = Object.fromEntries(
  (['conv1/kernel', 'conv2/kernel', 'fc2/kernel'] as const).map((t) => [t, LENET_SHAPES[t]]),
);

/** Weight 0 of every kernel stays at this value in every snapshot (to see that the scale is fixed). */
export const STEADY = 0.05;

/**
 * Stores a run with one snapshot per entry of `epochs` (fractions allowed: sub-epoch snapshots).
 * Test accuracy rises 1 point per snapshot from 50%.
 */
export function storeRun(db: Db, name: string, epochs: number[], seed = 1): number {
  const runId = createRun(db, {
    name,
    datasetId: null,
    datasetName: 'generated',
    datasetPath: '/nowhere',
    inputShape: [28, 28, 1],
    classes: ['a', 'b'],
    config: runConfigSchema.parse({ epochs: Math.ceil(epochs.at(-1)!) }),
    status: 'done',
  });
  const series = Object.entries(SHAPES).map(([tensor, shape], k) => {
    const s = makeSeries(shape, epochs.length, seed * 10 + k);
    const size = s.data.length / epochs.length;
    for (let e = 0; e < epochs.length; e++) s.data[e * size] = STEADY;
    return { name: tensor as TensorName, s, size };
  });
  const change: LayerChange = { norm: 1, relChangePrev: 0, relChangeInit: 0 };
  epochs.forEach((epoch, seq) => {
    insertSnapshot(db, runId, {
      seq,
      epoch,
      metrics: { trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5 + seq / 100 },
      layers: Object.fromEntries(LAYERS.map((l) => [l, change])) as Record<LayerName, LayerChange>,
      tensors: series.map(({ name, s, size }) => ({ name, shape: s.shape, data: s.data.slice(seq * size, (seq + 1) * size) })),
    });
  });
  return runId;
}

export function openTempDb(): { db: Db; path: string } {
  const path = join(tempDir(), 'weightlapse.db');
  return { db: openDatabase(path), path };
}
