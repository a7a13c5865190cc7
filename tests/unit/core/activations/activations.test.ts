/**
 * The activation views' numbers through the API, on a run really trained by a trainer process on the
 * bundled Fashion-MNIST sample, with the forward passes in a real forward-pass process: confusion
 * matrices stored with each snapshot (and computed for a run stored before they were), pins, maps on a
 * scale fixed over the run, differences, "learned at" and the mistakes list.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, MAP_LAYERS, runConfigSchema, TENSOR_NAMES, type ActivationMaps, type ApiResult, type ClassLearning, type Mistakes, type PinnedInputs, type RunDetail } from '../../../../src-preload/api.ts';
import { mapShape } from '../../../../src-preload/api.ts';
import type { CoreContext } from '../../../../src-main/core/api/context.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { loadTestSplit } from '../../../../src-main/datasets/index.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { readConfusions, readPins } from '../../../../src-main/core/store/activations.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { getRun } from '../../../../src-main/core/store/runs.ts';
import { insertSnapshot, readTensor } from '../../../../src-main/core/store/snapshots.ts';
import { startRun } from '../../../../src-main/core/training/service.ts';
import { SAMPLE_DIR } from '../training/sample.ts';
import { unwrap } from '../../../helpers.ts';

let dir: string;
let db: Db;
let ctx: CoreContext;
let run: RunDetail;
let call: (method: string, input: unknown) => Promise<ApiResult<unknown>>;
const value = async <T>(pending: Promise<ApiResult<unknown>>) => unwrap<T>(await pending);
const TEST_LIMIT = 200;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-activations-'));
  const dbPath = join(dir, 'w.db');
  db = openDatabase(dbPath);
  ctx = coreContext({ db, dbPath, shell: 'browser', emit: () => {} });
  const handlers = createHandlers(ctx);
  call = (method, input) => dispatch(handlers, method, input);
  const { id: datasetId } = await addDatasetFromDisk(db, SAMPLE_DIR);
  const config = runConfigSchema.parse({ epochs: 2, snapshotsPerEpoch: 2, batchSize: 32, trainLimit: 320, testLimit: TEST_LIMIT, backend: 'wasm', seed: 3 });
  const started = await startRun(ctx, { datasetId, config });
  expect(await ctx.trainers.finished(started.id)).toBe('done');
  run = getRun(db, started.id)!;
});

afterAll(() => {
  ctx?.inference.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const diagonal = (counts: Uint32Array, classes: number) => Array.from({ length: classes }, (_, c) => counts[c * classes + c]!).reduce((a, b) => a + b, 0);

describe('per-class learning', () => {
  it('stores the test confusion matrix with each evaluated snapshot: its diagonal is the test accuracy', () => {
    const stored = readConfusions(db, run.id);
    const evaluated = run.snapshots.filter((s) => s.metrics.testAccuracy !== null);
    expect([...stored.keys()]).toEqual(evaluated.map((s) => s.seq));
    for (const s of evaluated) {
      const m = stored.get(s.seq)!;
      expect(m.classes).toBe(10);
      expect(m.counts.reduce((a, b) => a + b, 0)).toBe(TEST_LIMIT);
      expect(diagonal(m.counts, 10) / TEST_LIMIT).toBe(s.metrics.testAccuracy);
    }
  });

  it('gives per-class accuracy and "learned at", and computes the matrices of a run stored before they were kept', async () => {
    const kept = await value<ClassLearning>(call('activations.classes', { runId: run.id }));
    expect(kept.computed).toBe(0);
    expect(kept.seqs).toEqual([0, 2, 3]);
    expect(kept.classes).toEqual(run.classes);
    const { test } = await loadTestSplit(SAMPLE_DIR);
    const perClass = Array.from({ length: 10 }, (_, c) => test.labels.subarray(0, TEST_LIMIT).filter((l) => l === c).length);
    kept.accuracy.forEach((series, c) =>
      series.forEach((a, k) => expect(a).toBeCloseTo(kept.confusion[k]![c * 10 + c]! / perClass[c]!, 12)),
    );
    kept.learnedAt.forEach((seq, c) => {
      const final = kept.accuracy[c]!.at(-1)!;
      if (final === 0) return expect(seq).toBeNull();
      // The first snapshot after the last one below 90 % of the final accuracy.
      const from = kept.accuracy[c]!.reduce<number>((f, a, k) => (a! < 0.9 * final ? k + 1 : f), 0);
      expect(seq).toBe(kept.seqs[from]);
    });

    db.prepare('DELETE FROM confusion_matrices').run();
    const recomputed = await value<ClassLearning>(call('activations.classes', { runId: run.id }));
    expect(recomputed.computed).toBe(3);
    expect(recomputed.confusion).toEqual(kept.confusion);
    expect(readConfusions(db, run.id).size).toBe(3);
    expect((await value<ClassLearning>(call('activations.classes', { runId: run.id }))).computed).toBe(0);
  });

  it('lists the mistakes of a snapshot, most confident first, as many as the confusion matrix says', async () => {
    const { confusion, seqs } = await value<ClassLearning>(call('activations.classes', { runId: run.id }));
    const last = seqs.at(-1)!;
    const mistakes = await value<Mistakes>(call('activations.mistakes', { runId: run.id, seq: last, limit: 5 }));
    expect(mistakes.total).toBe(TEST_LIMIT);
    expect(mistakes.count).toBe(TEST_LIMIT - diagonal(confusion.at(-1)!, 10));
    expect(mistakes.indices).toHaveLength(Math.min(5, mistakes.count));
    mistakes.indices.forEach((_, k) => expect(mistakes.predicted[k]).not.toBe(mistakes.labels[k]));
    expect([...mistakes.confidence].sort((a, b) => b - a)).toEqual(mistakes.confidence);
    expect(mistakes.images.length).toBe(mistakes.indices.length * 784);
    expect(await call('activations.mistakes', { runId: run.id, seq: 99, limit: 5 })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'seq' } });
  });
});

describe('pinned inputs', () => {
  it('start as the first test image of each class; pins are set, refused past the test set, and reset', async () => {
    const pins = await value<PinnedInputs>(call('activations.pins', { runId: run.id }));
    const { test } = await loadTestSplit(SAMPLE_DIR);
    expect(pins.isDefault).toBe(true);
    expect(pins.labels).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    pins.indices.forEach((i, c) => {
      expect(test.labels[i]).toBe(c);
      expect(Array.from(test.labels.subarray(0, i)).includes(c)).toBe(false);
    });
    expect(pins.testCount).toBe(test.count);
    expect(pins.images.length).toBe(10 * 784);

    const set = await value<PinnedInputs>(call('activations.setPins', { runId: run.id, indices: [5, 3] }));
    expect(set).toMatchObject({ isDefault: false, indices: [5, 3], labels: [test.labels[5], test.labels[3]] });
    expect(await call('activations.setPins', { runId: run.id, indices: [1, test.count] })).toMatchObject({
      ok: false,
      error: { code: 'bad-input', field: 'indices.1' },
    });
    expect(await call('activations.setPins', { runId: run.id, indices: [1, 1] })).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'indices' } });
    expect(await call('activations.setPins', { runId: run.id, indices: Array.from({ length: 17 }, (_, i) => i) })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(readPins(db, run.id)).toEqual([5, 3]);
    expect((await value<PinnedInputs>(call('activations.setPins', { runId: run.id, indices: null }))).isDefault).toBe(true);
    expect(await call('activations.pins', { runId: 404 })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'runId' } });
  });
});

describe('feature maps', () => {
  it('gives every layer’s maps and the probabilities of each pinned input at each snapshot, on one scale over the run', async () => {
    const all: ActivationMaps[] = [];
    for (const { seq } of run.snapshots) all.push(await value<ActivationMaps>(call('activations.maps', { runId: run.id, seq })));
    const first = all[0]!;
    expect(first.indices).toHaveLength(10);
    for (const layer of MAP_LAYERS) expect(first.maps[layer].shape).toEqual([10, ...mapShape([28, 28, 1], layer)]);
    expect(first.maps.conv1.shape).toEqual([10, 24, 24, 20]);
    expect(first.maps.pool1.shape).toEqual([10, 12, 12, 20]);
    expect(first.maps.conv2.shape).toEqual([10, 8, 8, 50]);
    for (const a of all) {
      expect(a.scale).toEqual(first.scale);
      for (let k = 0; k < 10; k++) expect(a.probabilities.subarray(k * 10, k * 10 + 10).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      // After a ReLU (and max-pooling of ReLU outputs) nothing is negative.
      for (const layer of MAP_LAYERS) expect(a.maps[layer].data.every((v) => v >= 0)).toBe(true);
    }
    for (const layer of MAP_LAYERS) expect(first.scale[layer]).toBe(Math.max(...all.map((a) => a.maps[layer].data.reduce((m, v) => Math.max(m, v), 0))));
    // The weights moved, so the maps did.
    expect(all.at(-1)!.maps.conv1.data).not.toEqual(first.maps.conv1.data);

    const predicted = all.map((a) => a.labels.map((_, k) => { const p = Array.from(a.probabilities.subarray(k * 10, k * 10 + 10)); return p.indexOf(Math.max(...p)); }));
    first.learnedAt.forEach((seq, k) => {
      const correct = predicted.map((p) => p[k] === first.labels[k]);
      if (!correct.at(-1)) return expect(seq).toBeNull();
      const from = correct.lastIndexOf(false) + 1;
      expect(seq).toBe(run.snapshots[from]!.seq);
    });
  });

  it('shows the change since the previous or a chosen snapshot, on the differences’ own fixed scale', async () => {
    const [a, b] = await Promise.all([1, 2].map((seq) => value<ActivationMaps>(call('activations.maps', { runId: run.id, seq }))));
    const d = await value<ActivationMaps>(call('activations.maps', { runId: run.id, seq: 2, diff: 'prev' }));
    expect(Array.from(d.maps.conv2.data)).toEqual(Array.from(b!.maps.conv2.data, (v, i) => Math.fround(v - a!.maps.conv2.data[i]!)));
    expect(d.probabilities).toEqual(b!.probabilities);
    expect(d.scale.conv1).toBeGreaterThan(0);
    expect(d.scale.conv1).not.toBe(b!.scale.conv1);
    const same = await value<ActivationMaps>(call('activations.maps', { runId: run.id, seq: 2, diff: 2 }));
    expect(same.maps.pool1.data.every((v) => v === 0)).toBe(true);
    expect(await call('activations.maps', { runId: run.id, seq: 2, diff: 77 })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'diff' } });
  });

  it('computes a snapshot stored since (a run in progress) when asked for it, and widens the scale to it', async () => {
    const before = await value<ActivationMaps>(call('activations.maps', { runId: run.id, seq: 3 }));
    // A new last snapshot: the last weights, twice as large (so every map is larger than before).
    const last = run.snapshots.at(-1)!;
    insertSnapshot(db, run.id, {
      ...last,
      seq: 4,
      epoch: 3,
      tensors: TENSOR_NAMES.map((name) => {
        const t = readTensor(db, run.id, name, 3)!;
        return { name, shape: t.shape, data: t.data.map((v) => 2 * v) };
      }),
    });
    const now = await value<ActivationMaps>(call('activations.maps', { runId: run.id, seq: 4 }));
    expect(now.scale.conv1).toBeCloseTo(2 * before.scale.conv1, 4);
    expect((await value<ActivationMaps>(call('activations.maps', { runId: run.id, seq: 3 }))).scale).toEqual(now.scale);
    db.prepare('DELETE FROM snapshots WHERE run_id = $id AND seq = 4').run({ id: run.id });
  });

  it('takes chosen test images instead of the pins, and refuses ones that do not exist', async () => {
    const maps = await value<ActivationMaps>(call('activations.maps', { runId: run.id, seq: 3, inputs: [42] }));
    expect(maps.indices).toEqual([42]);
    expect(maps.maps.conv1.shape).toEqual([1, 24, 24, 20]);
    // Its own scale: the largest value of its own maps over the run.
    const series = await Promise.all(run.snapshots.map(({ seq }) => value<ActivationMaps>(call('activations.maps', { runId: run.id, seq, inputs: [42] }))));
    expect(maps.scale.conv2).toBe(Math.max(...series.map((a) => a.maps.conv2.data.reduce((m, v) => Math.max(m, v), 0))));
    expect(await call('activations.maps', { runId: run.id, seq: 3, inputs: [10_000_000] })).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'inputs.0' } });
    expect(await call('activations.maps', { runId: run.id, seq: 40 })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'seq' } });
  });
});
