/**
 * The examples view's reads (issue 26): every training image's statistics as of a snapshot, from the
 * example ledgers its training loop recorded (store/ledgers.ts, statistics in example-stats.ts), and some
 * images' records epoch by epoch, with their pixels. Nothing is computed in the background: a run of
 * 60,000 images × 30 epochs is 5 MB of ledgers, read and summed in milliseconds.
 */
import { ApiError, type ExampleSeries, type ExampleTable, type RunDetail } from '../../../src-preload/api.ts';
import { loadDataset } from '../../datasets/index.ts';
import type { Split } from '../../datasets/split.ts';
import { NOT_PRESENTED } from '../../trainer/protocol.ts';
import { LruCache } from '../activations/cache.ts';
import { pickImages } from '../activations/test-set.ts';
import { checkDataset } from '../dataset-registry.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { ledgerSize, readEpochLedgers, readImageRecords, readLabelNoise } from '../store/ledgers.ts';
import { getRun, getStoredRun } from '../store/runs.ts';
import { exampleStats, halfValues, rocAuc } from './example-stats.ts';

/** Training splits kept loaded (Fashion-MNIST's is 47 MB). */
const TRAIN_SETS_KEPT = 1;

export class Examples {
  private readonly trainSets = new LruCache<Promise<Split>>(TRAIN_SETS_KEPT, () => 1);

  constructor(private readonly db: Db) {}

  async table(runId: number, seq?: number): Promise<ExampleTable> {
    const run = this.run(runId);
    const at = seq === undefined ? run.snapshots.at(-1) : run.snapshots.find((s) => s.seq === seq);
    if (!at) throw new ApiError('not-found', seq === undefined ? `run #${runId} has no snapshots yet` : `run #${runId} has no snapshot ${seq}`, 'seq');
    const ledgers = readEpochLedgers(this.db, runId, at.seq);
    const count = ledgers[0]?.correct.length ?? 0;
    const labels = count ? await this.labels(run) : new Uint8Array(0);
    const stats = exampleStats(ledgers, count);
    const noise = readLabelNoise(this.db, runId);
    const flipped = new Set(noise?.indices);
    const doubt = Float32Array.from(stats.confidence, (c) => 1 - c);
    return {
      runId,
      recorded: count > 0,
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

  async series(runId: number, indices: number[]): Promise<ExampleSeries> {
    const run = this.run(runId);
    const count = ledgerSize(this.db, runId);
    if (count === 0) throw new ApiError('not-found', `run #${runId} has no example ledger: it was trained before Weightlapse recorded one`, 'runId');
    const bad = indices.findIndex((i) => i >= count);
    if (bad >= 0) throw new ApiError('bad-input', `indices.${bad}: there is no training image ${indices[bad]}; the run trained on ${count} (0–${count - 1})`, `indices.${bad}`);
    const half = halfValues();
    const records = indices.map((i) => readImageRecords(this.db, runId, i));
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
