/**
 * The layer analyses through the API, on runs really trained by trainer processes on the bundled
 * Fashion-MNIST sample, with a real forward-pass process and a real SQLite file: each snapshot analysed
 * as its run stores it, a run stored without analyses analysed when first opened, the heat strip and the
 * snapshot × snapshot matrices, bad input refused naming the field, and a run removed mid-analysis leaving
 * nothing behind. (The numbers against NumPy: tests/unit/cli/analysis.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dispatch,
  PROBE_LAYERS,
  runConfigSchema,
  type AnalysisProgress,
  type ApiResult,
  type EmitEvent,
  type Handlers,
  type RunDetail,
} from '../../../../src-preload/api.ts';
import type { CoreContext } from '../../../../src-main/core/api/context.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { appRoot } from '../../../../src-main/core/paths.ts';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { getRun } from '../../../../src-main/core/store/runs.ts';
import { deleteRun, startRun } from '../../../../src-main/core/training/service.ts';
import { loadTestSplit } from '../../../../src-main/datasets/index.ts';
import { callValue, removeTempDirs, tempDir, until } from '../../../helpers.ts';
import { SAMPLE_DIR } from '../training/sample.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
let dbPath: string;
let db: Db;
let ctx: CoreContext;
let handlers: Handlers;
let call: (method: string, input: unknown) => Promise<ApiResult<unknown>>;
const progress: AnalysisProgress[] = [];
const listeners = new Set<(p: AnalysisProgress) => void>();
let trained: RunDetail;

/** Resolves once a progress event says all `total` snapshots of the run (on that probe set) are analysed. */
const analysed = (runId: number, probes: number, total: number) =>
  new Promise<void>((resolve) => {
    const done = (p: AnalysisProgress) => p.runId === runId && p.probes === probes && p.done === total && p.total === total;
    if (progress.some(done)) return resolve();
    const listener = (p: AnalysisProgress) => {
      if (!done(p)) return;
      listeners.delete(listener);
      resolve();
    };
    listeners.add(listener);
  });
const rowsOf = (runId: number) =>
  (db.prepare('SELECT COUNT(*) AS n FROM analysis_results a JOIN snapshots s ON s.id = a.snapshot_id WHERE s.run_id = $runId').get({ runId }) as { n: number }).n;

beforeAll(async () => {
  dbPath = join(tempDir(), 'w.db');
  db = openDatabase(dbPath);
  const emit: EmitEvent = (event, payload) => {
    if (event !== 'analysis.progress') return;
    progress.push(payload as AnalysisProgress);
    for (const listener of listeners) listener(payload as AnalysisProgress);
  };
  ctx = coreContext({ db, dbPath, shell: 'browser', emit, analyseWhileTraining: true });
  handlers = createHandlers(ctx);
  call = (method, input) => dispatch(handlers, method, input);
  const { id: datasetId } = await addDatasetFromDisk(db, SAMPLE_DIR);
  const config = runConfigSchema.parse({ epochs: 2, snapshotsPerEpoch: 2, batchSize: 32, trainLimit: 320, testLimit: 100, backend: 'wasm', seed: 5 });
  const started = await startRun(ctx, { datasetId, config });
  expect(await ctx.trainers.finished(started.id)).toBe('done');
  trained = getRun(db, started.id)!;
});

afterAll(() => {
  ctx?.inference.close();
  db?.close();
  removeTempDirs();
});

describe('while a run trains', () => {
  it('analyses each snapshot as it is stored, on the default probe set, and says how far it is', async () => {
    const { count } = (await loadTestSplit(SAMPLE_DIR)).test;
    const probes = Math.min(1000, count);
    await analysed(trained.id, probes, trained.snapshots.length);
    const events = progress.filter((p) => p.runId === trained.id);
    expect(events.map((p) => p.total).every((t) => t <= trained.snapshots.length)).toBe(true);
    expect(events.at(-1)).toEqual({ runId: trained.id, done: trained.snapshots.length, total: trained.snapshots.length, probes });
    expect(rowsOf(trained.id)).toBe(2 * trained.snapshots.length); // cka and dead, one each per snapshot
  });
});

describe('the heat strip and the matrices', () => {
  it('gives every layer’s CKA to the final snapshot, when it settled, and the dead units', async () => {
    const strip = await callValue(handlers, 'analyses.layers', { runId: trained.id });
    const n = trained.snapshots.length;
    expect(strip.seqs).toEqual(trained.snapshots.map((s) => s.seq));
    expect(strip.analysed).toBe(n);
    expect(strip.layers).toEqual([...PROBE_LAYERS]);
    for (const series of strip.toFinal) {
      expect(series).toHaveLength(n);
      expect(series.at(-1)).toBeCloseTo(1, 12);
      for (const v of series) expect(v!).toBeGreaterThan(0);
      for (const v of series) expect(v!).toBeLessThanOrEqual(1 + 1e-12);
    }
    // The logits change most: their CKA with the final snapshot starts lowest.
    const first = strip.toFinal.map((s) => s[0]!);
    expect(first[PROBE_LAYERS.indexOf('logits')]).toBeLessThan(first[PROBE_LAYERS.indexOf('conv1')]!);
    // "Settled at" is the first seq from which CKA to the final stays ≥ the threshold.
    strip.settledAt.forEach((seq, l) => {
      const from = strip.seqs.indexOf(seq!);
      expect(strip.toFinal[l]!.slice(from).every((v) => v! >= 0.9)).toBe(true);
      if (from > 0) expect(strip.toFinal[l]![from - 1]!).toBeLessThan(0.9);
    });
    const strict = await callValue(handlers, 'analyses.layers', { runId: trained.id, threshold: 1 });
    expect(strict.settledAt).toEqual(PROBE_LAYERS.map(() => strip.seqs.at(-1)));
    expect(strip.dead.layers).toEqual(['conv1', 'conv2', 'fc1']);
    expect(strip.dead.units).toEqual([20, 50, 500]);
    for (const series of strip.dead.share) for (const v of series) expect(v! >= 0 && v! <= 1).toBe(true);
  });

  it('keeps one stratified probe set per size: the same images every time, each class its share', async () => {
    const { test } = await loadTestSplit(SAMPLE_DIR);
    const a = await callValue(handlers, 'analyses.layers', { runId: trained.id });
    const b = await callValue(handlers, 'analyses.layers', { runId: trained.id });
    expect(b.probes).toEqual(a.probes);
    expect(new Set(a.probes.indices).size).toBe(a.probes.size);
    const perClass = new Array<number>(10).fill(0);
    for (const i of a.probes.indices) perClass[test.labels[i]!]!++;
    const inTest = new Array<number>(10).fill(0);
    for (const l of test.labels) inTest[l]!++;
    perClass.forEach((k, c) => expect(Math.abs(k - (a.probes.size * inTest[c]!) / test.count)).toBeLessThan(1));
  });

  it('gives a layer’s snapshot × snapshot matrix: symmetric, 1 on the diagonal, its last row the strip', async () => {
    const strip = await callValue(handlers, 'analyses.layers', { runId: trained.id });
    const n = strip.seqs.length;
    for (const [l, layer] of PROBE_LAYERS.entries()) {
      const { matrix, seqs, analysed: done } = await callValue(handlers, 'analyses.similarity', { runId: trained.id, layer });
      expect(seqs).toEqual(strip.seqs);
      expect(done).toBe(n);
      for (let i = 0; i < n; i++) {
        expect(matrix[i * n + i]).toBeCloseTo(1, 12);
        for (let j = 0; j < n; j++) expect(matrix[i * n + j]).toBe(matrix[j * n + i]);
      }
      expect(Array.from(matrix.subarray((n - 1) * n))).toEqual(strip.toFinal[l]);
    }
  });
});

describe('bad input', () => {
  it('is refused in one line naming the field, and stores nothing', async () => {
    const before = rowsOf(trained.id);
    const cases: [string, unknown, string, RegExp][] = [
      ['analyses.layers', { runId: trained.id, probes: 0 }, 'probes', /^analyses\.layers: probes: must be at least 1 test image$/],
      ['analyses.layers', { runId: trained.id, probes: 1.5 }, 'probes', /probes: must be a whole number/],
      ['analyses.layers', { runId: trained.id, probes: 5000 }, 'probes', /^probes: 5000 is more than the \d+ test images of run #\d+'s data set$/],
      ['analyses.layers', { runId: trained.id, threshold: 2 }, 'threshold', /threshold/],
      ['analyses.similarity', { runId: trained.id, layer: 'fc3' }, 'layer', /^analyses\.similarity: layer: /],
      ['analyses.layers', { runId: 999 }, 'runId', /^no run #999$/],
    ];
    for (const [method, input, field, message] of cases) {
      const result = await call(method, input);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.field).toBe(field);
      expect(result.error.message).toMatch(message);
      expect(result.error.message).not.toContain('\n');
    }
    expect(rowsOf(trained.id)).toBe(before);
    expect((db.prepare('SELECT COUNT(*) AS n FROM probe_sets WHERE size = 5000').get() as { n: number }).n).toBe(0);
  });
});

describe('a run stored without its analyses', () => {
  let old: RunDetail;

  beforeAll(() => {
    // The CLI trains without analysing (its process has no forward-pass server): as a run from before this release.
    const train = spawnSync(process.execPath, [BIN, '--db', dbPath, 'train', '--data', SAMPLE_DIR, '--epochs', '3', '--train-limit', '200', '--test-limit', '50', '--backend', 'wasm', '--json'], { encoding: 'utf8' });
    if (train.status !== 0) throw new Error(train.stderr);
    const { id } = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { id: number };
    old = getRun(db, id)!;
  });

  it('is analysed when first opened', async () => {
    expect(rowsOf(old.id)).toBe(0);
    const first = await callValue(handlers, 'analyses.layers', { runId: old.id, probes: 100 });
    expect(first.analysed).toBe(0);
    expect(first.toFinal.flat().every((v) => v === null)).toBe(true);
    await analysed(old.id, 100, old.snapshots.length);
    const later = await callValue(handlers, 'analyses.layers', { runId: old.id, probes: 100 });
    expect(later.analysed).toBe(old.snapshots.length);
    expect(later.toFinal.every((s) => s.at(-1)! > 0.999999)).toBe(true);
  });

  it('removed mid-analysis, stores nothing, and its analysis ends with a clear error', async () => {
    const pending = ctx.analyses.analyze(old.id, { probes: 300 });
    const outcome = pending.then(
      () => 'finished',
      (err: Error) => err.message,
    );
    // Once its first snapshot is stored, the rest are waiting or running.
    await new Promise<void>((resolve) => listeners.add((p) => p.runId === old.id && p.probes === 300 && p.done >= 1 && resolve()));
    expect(progress.filter((p) => p.runId === old.id && p.probes === 300).at(-1)!.done).toBeLessThan(old.snapshots.length);
    deleteRun(ctx, old.id);
    expect(await outcome).toMatch(/^run #\d+ was removed( while it was being analysed; nothing of it was stored)?$/);
    await until('the removed run’s jobs to have come back', () => ctx.work.size === 0); // what was in flight is done
    expect(rowsOf(old.id)).toBe(0);
    const left = db
      .prepare('SELECT COUNT(*) AS n FROM analysis_results a LEFT JOIN snapshots s ON s.id = a.snapshot_id WHERE s.id IS NULL OR s.run_id = $runId')
      .get({ runId: old.id }) as { n: number };
    expect(left.n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM probe_sets WHERE run_id = $runId').get({ runId: old.id }) as { n: number }).n).toBe(0);
    // The other run's analyses are untouched.
    expect(rowsOf(trained.id)).toBe(2 * trained.snapshots.length);
  });
});
