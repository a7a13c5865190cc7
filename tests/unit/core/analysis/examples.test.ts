/**
 * The example ledger's statistics and their API: forgetting events, unforgettable and never-learned
 * images, "learned from", confidence and variability computed on hand-made ledgers whose answers are
 * worked out below; a run with every layer frozen really trained by a trainer process (its predictions
 * cannot change, so it forgets nothing) with a quarter of its labels flipped; a run stored without a ledger saying so; bad input refused
 * naming the field. "Compute it now" on that run: its computed ledger (end-of-epoch predictions) equals the
 * recorded one (minibatch predictions), as it must where no weight changes, and forgets nothing; it fills
 * a run stored without a ledger; removing the run while it computes leaves nothing. (The counts against
 * NumPy on a trained run, and a computed ledger against PyTorch's: tests/unit/cli/analysis.test.ts.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dispatch, runConfigSchema, type AnalysisProgress, type EmitEvent, type Handlers } from '../../../../src-preload/api.ts';
import type { CoreContext } from '../../../../src-main/core/api/context.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { exampleStats, rocAuc } from '../../../../src-main/core/analysis/example-stats.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { readEpochLedgers } from '../../../../src-main/core/store/ledgers.ts';
import { startRun } from '../../../../src-main/core/training/service.ts';
import { loadDataset } from '../../../../src-main/datasets/index.ts';
import { fromHalfBits, toHalfBits } from '../../../../src-main/shared/half.ts';
import { NOT_PRESENTED, type EpochLedger } from '../../../../src-main/trainer/protocol.ts';
import { callValue, removeTempDirs, tempDir } from '../../../helpers.ts';
import { SAMPLE_DIR } from '../training/sample.ts';

const TRAIN = 96;
let db: Db;
let ctx: CoreContext;
let handlers: Handlers;
let frozenId: number;
/** Every `analysis.progress` event of the examples' kind, and who waits for the next one. */
const progress: AnalysisProgress[] = [];
const onProgress: (() => void)[] = [];
const emit: EmitEvent = (event, payload) => {
  if (event !== 'analysis.progress' || (payload as AnalysisProgress).kind !== 'examples') return;
  progress.push(payload as AnalysisProgress);
  for (const wake of onProgress.splice(0)) wake();
};
/** The first examples progress event of run `runId` from now on that `ok` accepts. */
async function progressUntil(runId: number, ok: (p: AnalysisProgress) => boolean): Promise<AnalysisProgress> {
  const from = progress.length;
  for (;;) {
    const hit = progress.slice(from).find((p) => p.runId === runId && ok(p));
    if (hit) return hit;
    await new Promise<void>((wake) => onProgress.push(wake));
  }
}

beforeAll(async () => {
  const dbPath = join(tempDir(), 'w.db');
  db = openDatabase(dbPath);
  ctx = coreContext({ db, dbPath, shell: 'browser', emit });
  handlers = createHandlers(ctx);
  const { id: datasetId } = await addDatasetFromDisk(db, SAMPLE_DIR);
  // Every layer frozen, and a quarter of the labels flipped (the noisy-labels experiment's settings).
  const config = runConfigSchema.parse({ epochs: 3, batchSize: 32, trainLimit: TRAIN, testLimit: 20, backend: 'wasm', seed: 3, freeze: ['conv1', 'conv2', 'fc1', 'fc2'], labelNoise: 0.25 });
  const run = await startRun(ctx, { datasetId, config });
  expect(await ctx.trainers.finished(run.id)).toBe('done');
  frozenId = run.id;
});

afterAll(async () => {
  await ctx?.trainers.stopAll();
  ctx?.inference.close();
  db?.close();
  removeTempDirs();
});

/** A ledger of one epoch from each image's (correct, p) or null (not presented). */
const ledger = (epoch: number, records: ([number, number] | null)[]): EpochLedger => ({
  epoch,
  correct: Uint8Array.from(records, (r) => (r ? r[0] : NOT_PRESENTED)),
  pTrue: Uint16Array.from(records, (r) => (r ? toHalfBits(r[1]) : 0)),
});

describe('per-image statistics', () => {
  it('give the ROC AUC of a score as the share of (positive, negative) pairs it orders right, ties a half', () => {
    const score = Float32Array.from([0.9, 0.1, 0.5, 0.5, Number.NaN, 0.3, 0.5]);
    const positive = (i: number) => i === 0 || i === 2 || i === 4;
    // Positives 0.9 and 0.5 (the NaN is left out) against 0.1, 0.5, 0.3, 0.5: 4 + (2 + 2 × 0.5) of 8 pairs.
    expect(rocAuc(score, positive)).toBe(7 / 8);
    expect(rocAuc(score, () => true)).toBeNull();
  });

  it('count forgetting between consecutive presentations, and say which images were never forgotten or never learned', () => {
    // Image 0: right, wrong, right, wrong: 2 forgotten. 1: wrong, right, right, right: learned from epoch 2, unforgettable.
    // 2: never right. 3: right, not presented, wrong, right: forgotten once (its presentations are 1, 3, 4).
    const stats = exampleStats(
      [
        ledger(0, [[1, 0.5], [0, 0.25], [0, 0.125], [1, 0.75]]),
        ledger(1, [[0, 0.25], [1, 0.5], [0, 0.125], null]),
        ledger(2, [[1, 0.5], [1, 0.75], [0, 0.125], [0, 0.25]]),
        ledger(3, [[0, 0.25], [1, 1], [0, 0.125], [1, 0.5]]),
      ],
      4,
    );
    expect(Array.from(stats.presented)).toEqual([4, 4, 4, 3]);
    expect(Array.from(stats.forgetting)).toEqual([2, 0, 0, 1]);
    expect(Array.from(stats.learnedFrom)).toEqual([-1, 2, -1, 4]);
    expect(Array.from(stats.correctness)).toEqual([0.5, 0.75, 0, 2 / 3].map(Math.fround));
    expect(Array.from(stats.confidence)).toEqual([0.375, 0.625, 0.125, 0.5].map(Math.fround));
    // Population standard deviations: image 0's values are 0.375 ± 0.125; image 1's, 0.25, 0.5, 0.75, 1.
    expect(stats.variability[0]).toBeCloseTo(0.125, 7);
    expect(stats.variability[1]).toBeCloseTo(Math.sqrt(0.078125), 7);
    expect(stats.variability[2]).toBe(0);
    expect(stats.totals).toEqual({ unforgettable: 1, neverLearned: 1, forgettingEvents: 3 });
  });

  it('keep p(true) as float16: exact for halves, within 2^-11 relative for the rest, 2^-25 absolute below its normal range', () => {
    for (const x of [0, 1, 0.5, 2 ** -24, 65504]) expect(fromHalfBits(toHalfBits(x))).toBe(x);
    for (const x of [0.1, 0.333, 0.999, 1e-4]) expect(Math.abs(fromHalfBits(toHalfBits(x)) - x) / x).toBeLessThanOrEqual(2 ** -11);
    expect(Math.abs(fromHalfBits(toHalfBits(1e-5)) - 1e-5)).toBeLessThanOrEqual(2 ** -25);
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(1e6)).toBe(0x7c00);
  });
});

describe('analyses.examples', () => {
  it('finds no forgetting in a run with every layer frozen: its predictions never change', async () => {
    const table = await callValue(handlers, 'analyses.examples', { runId: frozenId });
    expect(table).toMatchObject({ source: 'recorded', seq: 3, epoch: 3, epochs: 3, count: TRAIN });
    expect(table.totals.forgettingEvents).toBe(0);
    expect(table.totals.unforgettable + table.totals.neverLearned).toBe(TRAIN);
    expect(Array.from(table.variability).every((v) => v === 0)).toBe(true);
    // The labels it trained with: the data set's, but for the quarter flipped, each to another class.
    const onDisk = (await loadDataset(SAMPLE_DIR, { trainLimit: TRAIN })).train.labels;
    const flipped = Array.from(table.noise!.flipped);
    expect(table.noise).toMatchObject({ share: 0.25 });
    expect(flipped.length).toBe(TRAIN / 4);
    expect(flipped).toEqual([...flipped].sort((a, b) => a - b));
    for (let i = 0; i < TRAIN; i++) expect([i, table.labels[i] === onDisk[i]]).toEqual([i, !flipped.includes(i)]);
    // As of the first epoch's snapshot: one presentation each.
    const first = await callValue(handlers, 'analyses.examples', { runId: frozenId, seq: 1 });
    expect(first.epochs).toBe(1);
    expect(Array.from(first.presented).every((n) => n === 1)).toBe(true);
  });

  it('gives some images with their record at each epoch and their pixels', async () => {
    const series = await callValue(handlers, 'analyses.exampleSeries', { runId: frozenId, indices: [5, 0] });
    expect(series.epochs).toEqual([1, 2, 3]);
    expect(series.images.length).toBe(2 * 28 * 28);
    const ledgers = readEpochLedgers(db, frozenId);
    expect(Array.from(series.correct)).toEqual([5, 0].flatMap((i) => ledgers.map((l) => l.correct[i]!)));
    expect(Array.from(series.pTrue)).toEqual([5, 0].flatMap((i) => ledgers.map((l) => Math.fround(fromHalfBits(l.pTrue[i]!)))));
  });

  it('says when a run has no ledger (stored before ledgers were recorded), and refuses bad input naming the field', async () => {
    const snapshotIds = db.prepare('SELECT id FROM snapshots WHERE run_id = $runId').all({ runId: frozenId }) as { id: number }[];
    const saved = snapshotIds.map(({ id }) => db.prepare('SELECT * FROM example_ledgers WHERE snapshot_id = $id').get({ id }));
    db.prepare('DELETE FROM example_ledgers WHERE snapshot_id IN (SELECT id FROM snapshots WHERE run_id = $runId)').run({ runId: frozenId });
    try {
      expect(await callValue(handlers, 'analyses.examples', { runId: frozenId })).toMatchObject({ source: null, count: 0, epochs: 0 });
      expect(await dispatch(handlers, 'analyses.exampleSeries', { runId: frozenId, indices: [0] })).toEqual({
        ok: false,
        error: { code: 'not-found', message: `run #${frozenId} has no example ledger: it was trained before Weightlapse recorded one`, field: 'runId' },
      });
    } finally {
      const insert = db.prepare('INSERT INTO example_ledgers (snapshot_id, source, epoch, correct, p_true) VALUES ($snapshot_id, $source, $epoch, $correct, $p_true)');
      for (const row of saved) if (row) insert.run(row);
    }
    expect(await dispatch(handlers, 'analyses.exampleSeries', { runId: frozenId, indices: [TRAIN] })).toMatchObject({
      ok: false,
      error: { code: 'bad-input', field: 'indices.0', message: `indices.0: there is no training image ${TRAIN}; the run trained on ${TRAIN} (0–${TRAIN - 1})` },
    });
    expect(await dispatch(handlers, 'analyses.exampleSeries', { runId: frozenId, indices: [1, 1] })).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'indices' } });
    expect(await dispatch(handlers, 'analyses.examples', { runId: frozenId, seq: 99 })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'seq' } });
  });
});

describe('analyses.computeExamples ("compute it now")', () => {
  const ledgerRows = () => (db.prepare('SELECT COUNT(*) AS n FROM example_ledgers').get() as { n: number }).n;
  const deleteLedgers = (source: string) =>
    db.prepare('DELETE FROM example_ledgers WHERE source = $source AND snapshot_id IN (SELECT id FROM snapshots WHERE run_id = $runId)').run({ source, runId: frozenId });

  it('computes, beside a frozen run’s recorded ledger, one equal to it: where no weight changes, end-of-epoch and minibatch predictions are the same network’s', async () => {
    const finished = progressUntil(frozenId, (p) => p.done === p.total);
    expect(await callValue(handlers, 'analyses.computeExamples', { runId: frozenId })).toEqual({ runId: frozenId, kind: 'examples', done: 0, total: 3, probes: 0 });
    await finished;
    expect(progress.filter((p) => p.runId === frozenId).map((p) => p.done)).toEqual([1, 2, 3]);

    const table = await callValue(handlers, 'analyses.examples', { runId: frozenId, source: 'computed' });
    expect(table).toMatchObject({ source: 'computed', sources: ['recorded', 'computed'], computed: { done: 3, total: 3, running: false }, epochs: 3, count: TRAIN });
    expect(table.totals.forgettingEvents).toBe(0);
    // The recorded ledger stays the one shown by default.
    expect(await callValue(handlers, 'analyses.examples', { runId: frozenId })).toMatchObject({ source: 'recorded', sources: ['recorded', 'computed'] });

    const recorded = readEpochLedgers(db, frozenId, undefined, 'recorded');
    const computed = readEpochLedgers(db, frozenId, undefined, 'computed');
    expect(computed.map((l) => [l.seq, l.epoch])).toEqual(recorded.map((l) => [l.seq, l.epoch]));
    for (const [e, l] of computed.entries()) {
      expect(Array.from(l.correct), `epoch ${e}`).toEqual(Array.from(recorded[e]!.correct));
      // p(true) is exp(−loss) in the loop and a softmax here, both rounded to float16: at most one float16 step apart.
      const steps = Array.from(l.pTrue, (bits, i) => Math.abs(bits - recorded[e]!.pTrue[i]!));
      expect(Math.max(...steps), `epoch ${e}`).toBeLessThanOrEqual(1);
    }
    const series = await callValue(handlers, 'analyses.exampleSeries', { runId: frozenId, indices: [7], source: 'computed' });
    expect(Array.from(series.correct)).toEqual(computed.map((l) => l.correct[7]));
  });

  it('refuses a missing run or a bad id naming the field, storing nothing', async () => {
    const rows = ledgerRows();
    expect(await dispatch(handlers, 'analyses.computeExamples', { runId: 999 })).toEqual({ ok: false, error: { code: 'not-found', message: 'there is no run #999', field: 'runId' } });
    for (const runId of [-1, 1.5, '1']) {
      const r = await dispatch(handlers, 'analyses.computeExamples', { runId } as never);
      expect(r).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'runId' } });
      expect(r.ok ? '' : r.error.message).not.toContain('\n');
    }
    // Asked again with every snapshot done: nothing to do.
    expect(await callValue(handlers, 'analyses.computeExamples', { runId: frozenId })).toMatchObject({ done: 3, total: 3 });
    expect(ledgerRows()).toBe(rows);
  });

  it('fills the ledger of a run stored without one', async () => {
    deleteLedgers('recorded');
    deleteLedgers('computed');
    expect(await callValue(handlers, 'analyses.examples', { runId: frozenId })).toMatchObject({ source: null, sources: [], computed: { done: 0, total: 3, running: false }, count: 0 });
    const finished = progressUntil(frozenId, (p) => p.done === p.total);
    await callValue(handlers, 'analyses.computeExamples', { runId: frozenId });
    expect((await callValue(handlers, 'analyses.examples', { runId: frozenId })).computed.running).toBe(true);
    await finished;
    const table = await callValue(handlers, 'analyses.examples', { runId: frozenId });
    expect(table).toMatchObject({ source: 'computed', sources: ['computed'], computed: { done: 3, total: 3, running: false }, epochs: 3, count: TRAIN });
    expect(table.totals.forgettingEvents).toBe(0);
  });

  it('stores nothing and reports no error when the run is removed while its ledger is computed', async () => {
    deleteLedgers('computed');
    const warned = vi.spyOn(console, 'warn');
    try {
      const first = progressUntil(frozenId, (p) => p.done === 1);
      const { done } = ctx.examples.compute(frozenId);
      await first;
      await callValue(handlers, 'runs.remove', { id: frozenId });
      // The jobs still waiting are cancelled, the one under way finds its snapshot gone: none is a failure to tell.
      await expect(done).rejects.toMatchObject({ code: expect.stringMatching(/^(conflict|not-found)$/) });
      expect(ledgerRows()).toBe(0);
      expect(warned).not.toHaveBeenCalled();
    } finally {
      warned.mockRestore();
    }
  });
});
