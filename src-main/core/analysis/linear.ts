/**
 * The linear share of a run (Nakkiran et al., NeurIPS 2019): per snapshot, the share of the run's test
 * images on which the network's predicted class is that of a multinomial logistic regression on raw
 * pixels (trainer/analysis/linear.ts fits it).
 *
 * The regression belongs to the data set, not the run: fitted once on the first FIT_IMAGES of its training
 * images (bounded: the fit is CPU work in the forward-pass process), stored on the first snapshot of the
 * run that needed it with params naming the data set (its content checksum) and the procedure, and found
 * there by every other run of it (refitted — the same numbers — if that run is removed). Its predictions
 * on a run's test images are computed here from the stored coefficients, in float64.
 */
import { ApiError, type AnalysisProgress, type LinearShare, type RunDetail } from '../../../src-preload/api.ts';
import { loadDataset, type Split } from '../../datasets/index.ts';
import { checkDataset } from '../dataset-registry.ts';
import { countResults, findResult, paramsKey, readResults, writeResults } from '../store/analyses.ts';
import { getDataset } from '../store/datasets.ts';
import { getStoredRun } from '../store/runs.ts';
import { inBackground, removed, RunAnalysis } from './jobs.ts';

/** Training images the regression is fitted on, at most (the first of the data set's training split). */
export const FIT_IMAGES = 10_000;
export const FIT_ITERATIONS = 100;
export const FIT_LEARNING_RATE = 0.01;

/** A fitted regression, as stored. */
export interface LinearFit {
  images: number;
  iterations: number;
  loss: number;
  /** [pixels, classes] row by row. */
  kernel: Float64Array;
  bias: Float64Array;
}

/** The predicted class of each image of `split` (HWC bytes; pixels scaled to [0, 1]): the arg-max of x·W + b, the lower class on a tie. */
export function linearPredictions(fit: LinearFit, split: Split): Uint8Array {
  const classes = fit.bias.length;
  const pixels = fit.kernel.length / classes;
  const predicted = new Uint8Array(split.count);
  const logits = new Float64Array(classes);
  for (let i = 0; i < split.count; i++) {
    logits.set(fit.bias);
    const image = split.images.subarray(i * pixels, (i + 1) * pixels);
    for (let p = 0; p < pixels; p++) {
      const v = image[p]!;
      if (v === 0) continue;
      const x = v / 255;
      for (let c = 0, row = p * classes; c < classes; c++) logits[c]! += x * fit.kernel[row + c]!;
    }
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[c]! > logits[best]!) best = c;
    predicted[i] = best;
  }
  return predicted;
}

/** The share of positions where two lists of predicted classes agree (1 when one is the other). */
export function agreement(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`agreement of ${a.length} and ${b.length} predictions`);
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return a.length === 0 ? Number.NaN : same / a.length;
}

/** The share of images whose label is predicted. */
export const accuracyOf = (predicted: Uint8Array, labels: Uint8Array) => agreement(predicted, labels.subarray(0, predicted.length));

const decode = (data: Float64Array, pixels: number): LinearFit => {
  const classes = (data.length - 3) / (pixels + 1);
  return { images: data[0]!, iterations: data[1]!, loss: data[2]!, kernel: data.subarray(3, 3 + pixels * classes), bias: data.subarray(3 + pixels * classes) };
};

interface Reference {
  fit: LinearFit;
  test: Split;
  predicted: Uint8Array;
}

export class LinearShares extends RunAnalysis {
  /** Fits being made, by their params (one per data set). */
  private readonly fitting = new Map<string, Promise<void>>();
  /** The last runs' regression predictions, by run and fit. */
  private readonly references = new Map<string, Reference>();

  /** The share per snapshot and the regression; schedules the fit and the snapshots not analysed yet. */
  async share(runId: number): Promise<LinearShare> {
    const run = this.jobs.requireRun(runId);
    inBackground(run, this.schedule(run));
    const reference = await this.reference(run);
    const rows = readResults(this.ctx.db, run.id, 'linear', this.rowParams());
    const test = reference?.test ?? (await this.ownTest(run));
    return {
      runId,
      seqs: run.snapshots.map((s) => s.seq),
      epochs: run.snapshots.map((s) => s.epoch),
      share: run.snapshots.map((s) => rows.get(s.seq)?.[0] ?? null),
      regression: reference
        ? { accuracy: accuracyOf(reference.predicted, test.labels), trainImages: reference.fit.images, iterations: reference.fit.iterations, loss: reference.fit.loss }
        : null,
      testImages: test.count,
      analysed: rows.size,
      total: run.snapshots.length,
    };
  }

  /** The fitted regression of the run's data set and its predictions on the run's test images, if fitted. */
  regression(runId: number): Promise<Reference | undefined> {
    return this.reference(this.jobs.requireRun(runId));
  }

  private async reference(run: RunDetail): Promise<Reference | undefined> {
    const params = this.fitParams(run);
    const data = findResult(this.ctx.db, 'linear-fit', params);
    if (!data) return undefined;
    const key = `${run.id}:${params}`;
    let reference = this.references.get(key);
    if (!reference) {
      const pixels = run.inputShape.reduce((a, b) => a * b, 1);
      const fit = decode(data, pixels);
      const test = await this.ownTest(run);
      reference = { fit, test, predicted: linearPredictions(fit, test) };
      if (this.references.size >= 4) this.references.delete(this.references.keys().next().value!);
      this.references.set(key, reference);
    }
    return reference;
  }

  /** Fits (where needed) and analyses every snapshot; resolves once all are stored, with the last progress. */
  async analyze(runId: number, onProgress?: (p: AnalysisProgress) => void): Promise<AnalysisProgress> {
    const run = this.jobs.requireRun(runId);
    onProgress?.(this.progress(run));
    await Promise.all(this.schedule(run).map((row) => row.then(() => onProgress?.(this.progress(run)))));
    return this.progress(run);
  }

  private schedule(run: RunDetail): Promise<void>[] {
    const stored = readResults(this.ctx.db, run.id, 'linear', this.rowParams());
    const missing = run.snapshots.filter((s) => !stored.has(s.seq));
    if (missing.length === 0) return [];
    const fitted = this.fit(run);
    return missing.map(({ seq }) => fitted.then(() => this.jobs.row(run.id, `linear:${run.id}:${seq}`, (signal) => this.computeRow(run, seq, signal))));
  }

  /** The regression of the run's data set, fitted on the queue where it is not stored yet. */
  private fit(run: RunDetail): Promise<void> {
    const params = this.fitParams(run);
    if (findResult(this.ctx.db, 'linear-fit', params)) return Promise.resolve();
    let fitting = this.fitting.get(params);
    if (!fitting) {
      fitting = this.jobs.row(run.id, `linear-fit:${params}`, async (signal) => {
        if (findResult(this.ctx.db, 'linear-fit', params)) return;
        const train = await this.trainImages(run);
        const geometry = { shape: run.inputShape, classes: run.classes.length };
        const fit = await this.ctx.inference.linearFit({ geometry, weights: {}, split: train }, { iterations: FIT_ITERATIONS, learningRate: FIT_LEARNING_RATE });
        signal.throwIfAborted();
        const data = Float64Array.from([train.count, FIT_ITERATIONS, fit.loss, ...fit.kernel, ...fit.bias]);
        if (!writeResults(this.ctx.db, run.id, run.snapshots[0]!.seq, params, [{ kind: 'linear-fit', data }])) throw removed(run.id);
      });
      this.fitting.set(params, fitting);
      void fitting.then(
        () => this.fitting.delete(params),
        () => this.fitting.delete(params),
      );
    }
    return fitting;
  }

  private async computeRow(run: RunDetail, seq: number, signal: AbortSignal): Promise<void> {
    if (readResults(this.ctx.db, run.id, 'linear', this.rowParams()).has(seq)) return;
    const reference = await this.reference(run);
    if (!reference) throw new Error(`the pixel regression of run #${run.id}'s data set is not stored`);
    const geometry = { shape: run.inputShape, classes: run.classes.length };
    const { predicted } = await this.ctx.inference.predictions({ geometry, weights: this.jobs.weightsOf(run.id, seq), split: reference.test });
    signal.throwIfAborted();
    const data = Float64Array.of(agreement(predicted, reference.predicted));
    if (!writeResults(this.ctx.db, run.id, seq, this.rowParams(), [{ kind: 'linear', data }])) throw removed(run.id);
    this.ctx.emit('analysis.progress', this.progress(run));
  }

  private progress(run: RunDetail): AnalysisProgress {
    return { runId: run.id, kind: 'linear', done: countResults(this.ctx.db, run.id, 'linear', this.rowParams()), total: run.snapshots.length, probes: 0 };
  }

  private rowParams(): string {
    return paramsKey({ images: FIT_IMAGES, iterations: FIT_ITERATIONS, rate: FIT_LEARNING_RATE });
  }

  /** Names the data set by its content where it is registered (a copy added again shares its fit), else by its path. */
  private fitParams(run: RunDetail): string {
    const stored = run.datasetId === null ? undefined : getDataset(this.ctx.db, run.datasetId);
    const dataset = stored ? `sha:${stored.checksum}` : `path:${getStoredRun(this.ctx.db, run.id)!.datasetPath}`;
    return paramsKey({ dataset, images: FIT_IMAGES, iterations: FIT_ITERATIONS, rate: FIT_LEARNING_RATE });
  }

  /** The first FIT_IMAGES training images of the run's data set. */
  private async trainImages(run: RunDetail): Promise<Split> {
    const stored = run.datasetId === null ? undefined : getDataset(this.ctx.db, run.datasetId);
    if (stored) {
      const info = await checkDataset(stored);
      if (!info.available) throw new ApiError('unavailable', `the training images of run #${run.id} cannot be read: ${info.problem}`, 'runId');
    }
    const path = stored?.path ?? getStoredRun(this.ctx.db, run.id)!.datasetPath;
    return (await loadDataset(path, { trainLimit: FIT_IMAGES })).train;
  }
}
