/**
 * The examples view (issue 26): every training image's statistics as of a snapshot, from the example
 * ledgers its training loop recorded (store/ledgers.ts, statistics in example-stats.ts), and some images'
 * records epoch by epoch, with their pixels. Reading needs no background work: a run of 60,000 images × 30
 * epochs is 5 MB of ledgers, read and summed in milliseconds.
 *
 * "Compute it now" (`compute`) fills a ledger for a run stored without one (or beside its recorded one)
 * from its stored snapshots, on the analyses' pipeline: one job per snapshot after the first on the core's
 * work queue (background priority, the run's group: removing the run cancels them), each a forward pass of
 * the run's training split (with a noisy-labels run's flipped labels) in the forward-pass process, stored
 * whole in one statement as that snapshot's `computed` ledger, then `analysis.progress` (kind `examples`).
 * The ledger of snapshot s is of the epoch it ends or lies in (ceil(epoch) − 1), so as with recorded ones an
 * epoch's ledger is that of its last snapshot. How it differs from a recorded one: every image is
 * predicted by the same network, as it is at the snapshot (at an epoch's end, after the epoch's last
 * update), where the loop recorded each image by the network it met in its minibatch, before that batch's
 * update — so the computed ledger of epoch e is the recorded one of epoch e + 1 would be, had the whole
 * epoch been one batch.
 */
import { ApiError, type AnalysisProgress, type ExampleSeries, type ExampleSource, type ExampleTable, type RunDetail } from '../../../src-preload/api.ts';
import { loadDataset } from '../../datasets/index.ts';
import type { Split } from '../../datasets/split.ts';
import { NOT_PRESENTED } from '../../trainer/protocol.ts';
import { LruCache } from '../activations/cache.ts';
import { pickImages } from '../activations/test-set.ts';
import { checkDataset } from '../dataset-registry.ts';
import { getDataset } from '../store/datasets.ts';
import { ledgerSeqs, ledgerSize, readEpochLedgers, readImageRecords, readLabelNoise, writeComputedLedger } from '../store/ledgers.ts';
import { getRun, getStoredRun } from '../store/runs.ts';
import { exampleStats, halfValues, rocAuc } from './example-stats.ts';
import { removed, RowJobs, warn, type AnalysisContext } from './jobs.ts';

/** Training splits kept loaded (Fashion-MNIST's is 47 MB). */
const TRAIN_SETS_KEPT = 1;

export class Examples {
  private readonly trainSets = new LruCache<Promise<Split>>(TRAIN_SETS_KEPT, () => 1);
  private readonly jobs: RowJobs;
  /** The runs whose ledger is being computed, and how many of their jobs wait or run. */
  private readonly computing = new Map<number, number>();

  constructor(private readonly ctx: AnalysisContext) {
    this.jobs = new RowJobs(ctx);
  }

  private get db() {
    return this.ctx.db;
  }

  async table(runId: number, seq?: number, asked?: ExampleSource): Promise<ExampleTable> {
    const run = this.run(runId);
    const at = seq === undefined ? run.snapshots.at(-1) : run.snapshots.find((s) => s.seq === seq);
    if (!at) throw new ApiError('not-found', seq === undefined ? `run #${runId} has no snapshots yet` : `run #${runId} has no snapshot ${seq}`, 'seq');
    const sources = this.sources(runId);
    const source = asked ?? sources[0];
    const ledgers = source ? readEpochLedgers(this.db, runId, at.seq, source) : [];
    const count = ledgers[0]?.correct.length ?? 0;
    const labels = count ? await this.labels(run) : new Uint8Array(0);
    const stats = exampleStats(ledgers, count);
    const noise = readLabelNoise(this.db, runId);
    const flipped = new Set(noise?.indices);
    const doubt = Float32Array.from(stats.confidence, (c) => 1 - c);
    return {
      runId,
      source: count > 0 ? source! : null,
      sources,
      computed: this.progress(run),
      seq: at.seq,
      epoch: at.epoch,
      epochs: ledgers.length,
      count,
      classes: run.classes,
      labels,
      ...stats,
      noise: noise ? { share: noise.share, flipped: noise.indices, auc: count ? rocAuc(doubt, (i) => flipped.has(i)) : null } : null,
    };
  }

  async series(runId: number, indices: number[], asked?: ExampleSource): Promise<ExampleSeries> {
    const run = this.run(runId);
    const source = asked ?? this.sources(runId)[0] ?? 'recorded';
    const count = ledgerSize(this.db, runId, source);
    if (count === 0) {
      const why = source === 'recorded' ? 'it was trained before Weightlapse recorded one' : 'none was computed yet';
      throw new ApiError('not-found', `run #${runId} has no ${source === 'computed' ? 'computed ' : ''}example ledger: ${why}`, 'runId');
    }
    const bad = indices.findIndex((i) => i >= count);
    if (bad >= 0) throw new ApiError('bad-input', `indices.${bad}: there is no training image ${indices[bad]}; the run trained on ${count} (0–${count - 1})`, `indices.${bad}`);
    const half = halfValues();
    const records = indices.map((i) => readImageRecords(this.db, runId, i, source));
    const epochs = records[0]!.map((r) => r.epoch);
    const correct = new Uint8Array(indices.length * epochs.length).fill(NOT_PRESENTED);
    const pTrue = new Float32Array(indices.length * epochs.length).fill(Number.NaN);
    records.forEach((rows, k) =>
      rows.forEach((r, e) => {
        if (r.correct === NOT_PRESENTED) return;
        correct[k * epochs.length + e] = r.correct;
        pTrue[k * epochs.length + e] = half[r.pTrue]!;
      }),
    );
    const picked = pickImages(await this.train(run), run.inputShape, indices);
    const labels = await this.labels(run);
    return {
      runId,
      epochs: epochs.map((e) => e + 1),
      indices,
      labels: indices.map((i) => labels[i]!),
      images: picked.images,
      shape: run.inputShape,
      classes: run.classes,
      correct,
      pTrue,
    };
  }

  /**
   * Computes the ledger of every snapshot after the first that has no computed one yet, in the background;
   * answers at once with how far it is. `onProgress` (the CLI) hears each stored snapshot; `done` resolves
   * once all are stored (or one failed).
   */
  compute(runId: number, onProgress?: (p: AnalysisProgress) => void): { progress: AnalysisProgress; done: Promise<void> } {
    const run = this.run(runId);
    if (run.snapshots.length < 2) throw new ApiError('conflict', `run #${runId} has no snapshot after its initial weights: there is nothing to compute a ledger from`, 'runId');
    const stored = new Set(ledgerSeqs(this.db, runId, 'computed'));
    const rows = run.snapshots
      .filter((s) => s.seq > 0 && !stored.has(s.seq))
      .map((s) => {
        this.computing.set(runId, (this.computing.get(runId) ?? 0) + 1);
        const row = this.jobs.row(runId, `examples:${runId}:${s.seq}`, (signal) => this.computeRow(run, s.seq, s.epoch, signal));
        const settle = () => {
          const left = this.computing.get(runId)! - 1;
          if (left > 0) this.computing.set(runId, left);
          else this.computing.delete(runId);
        };
        return row.then(
          () => {
            settle();
            onProgress?.(this.analysisProgress(run));
          },
          (err: unknown) => {
            settle();
            throw err;
          },
        );
      });
    const done = Promise.all(rows).then(() => undefined);
    if (!onProgress) done.catch((err: unknown) => warn(run, err));
    return { progress: this.analysisProgress(run), done };
  }

  /** One snapshot's computed ledger: the training split through its weights, stored whole or not at all. */
  private async computeRow(run: RunDetail, seq: number, epoch: number, signal: AbortSignal): Promise<void> {
    if (ledgerSeqs(this.db, run.id, 'computed').includes(seq)) return; // asked twice, done meanwhile
    const split = await this.train(run);
    const labels = await this.labels(run);
    signal.throwIfAborted();
    const weights = this.jobs.weightsOf(run.id, seq);
    const geometry = { shape: run.inputShape, classes: run.classes.length };
    const answer = await this.ctx.inference.ledger({ geometry, weights, split: { images: split.images, labels, count: split.count } });
    signal.throwIfAborted();
    // The epoch the snapshot ends (1.0 ends epoch 0) or lies in (1.5: epoch 1); a hair below a whole number is that number.
    const ledger = { epoch: Math.max(0, Math.ceil(epoch - 1e-9) - 1), ...answer };
    if (!writeComputedLedger(this.db, run.id, seq, ledger)) throw removed(run.id);
    this.ctx.emit('analysis.progress', this.analysisProgress(run));
  }

  /** The run's ledgers, recorded first. */
  private sources(runId: number): ExampleSource[] {
    return (['recorded', 'computed'] as const).filter((source) => ledgerSize(this.db, runId, source) > 0);
  }

  private progress(run: RunDetail): ExampleTable['computed'] {
    const total = (getRun(this.db, run.id)?.snapshots.length ?? run.snapshots.length) - 1;
    return { done: ledgerSeqs(this.db, run.id, 'computed').length, total: Math.max(0, total), running: this.computing.has(run.id) };
  }

  private analysisProgress(run: RunDetail): AnalysisProgress {
    const { done, total } = this.progress(run);
    return { runId: run.id, kind: 'examples', done, total, probes: 0 };
  }

  /** The labels the run trained with: its data set's, with a noisy-labels run's flips. */
  private async labels(run: RunDetail): Promise<Uint8Array> {
    const labels = (await this.train(run)).labels.slice();
    const noise = readLabelNoise(this.db, run.id);
    noise?.indices.forEach((i, k) => (labels[i] = noise.labels[k]!));
    return labels;
  }

  private run(runId: number): RunDetail {
    const run = getRun(this.db, runId);
    if (!run) throw new ApiError('not-found', `there is no run #${runId}`, 'runId');
    return run;
  }

  /** The run's training split as it trained on it (its limit applied), read once while it is the last used. */
  private async train(run: RunDetail): Promise<Split> {
    const stored = run.datasetId === null ? undefined : getDataset(this.db, run.datasetId);
    const path = stored?.path ?? getStoredRun(this.db, run.id)!.datasetPath;
    const key = `${stored ? `#${stored.id}@${stored.addedAt}` : path}:${run.config.trainLimit ?? 'all'}`;
    let split = this.trainSets.get(key);
    if (!split) {
      split = (async () => {
        const unreadable = (why: string) => new ApiError('unavailable', `the training images of run #${run.id} cannot be read: ${why}`, 'runId');
        if (stored) {
          const info = await checkDataset(stored);
          if (!info.available) throw unreadable(info.problem ?? 'its files changed');
        }
        const { description, train } = await loadDataset(path, { trainLimit: run.config.trainLimit, testLimit: 1 }).catch((err: Error) => {
          throw unreadable(err.message);
        });
        if (description.shape.join() !== run.inputShape.join()) throw unreadable(`they are ${description.shape.join('×')}, the run was trained on ${run.inputShape.join('×')}`);
        return train;
      })();
      split.catch(() => this.trainSets.delete(key));
      this.trainSets.set(key, split);
    }
    return split;
  }
}
