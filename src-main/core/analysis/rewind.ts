/**
 * The layer rewind map of a run (trainer/analysis/rewind.ts computes it): for each stored snapshot t, the
 * final network's test accuracy with each layer (conv1, conv2, fc1, fc2: kernel and bias) put back to t,
 * and once, each layer drawn afresh by LeNet's initialiser with the run's seed + 1.
 *
 * "Final" is the run's last stored snapshot, and is part of each row's params: a run that stored more
 * snapshots since has a new map (its old rows stay until the run is removed). Measured on the run's own
 * test images (its data set's test split, with its limit), as the training loop measured its test accuracy,
 * so the final snapshot's column equals the stored final test accuracy. One job per snapshot (four passes
 * over the test split) and one for the re-initialised column, on the background queue.
 */
import { LAYERS, type AnalysisProgress, type RewindMap, type RunDetail } from '../../../src-preload/api.ts';
import type { Split } from '../../datasets/split.ts';
import { countResults, paramsKey, readResults, writeResults } from '../store/analyses.ts';
import { inBackground, removed, RunAnalysis, type AnalysisContext } from './jobs.ts';

/** The re-initialised column's seed: another than the run's own, the same for every run of that seed. */
export const reinitSeed = (run: RunDetail) => (run.config.seed + 1) % 2 ** 31;

interface Final {
  seq: number;
  params: string;
  test: Split;
}

export class Rewinds extends RunAnalysis {
  /**
   * The map as stored; schedules what is missing — once the run has stopped training: while it trains, each
   * new snapshot is a new final network, and every cell would be measured again (`weightlapse analyze` may
   * still ask for the map of the snapshots so far).
   */
  async map(runId: number): Promise<RewindMap> {
    const run = this.jobs.requireRun(runId);
    const final = await this.final(run);
    if (final && run.status !== 'running') inBackground(run, this.schedule(run, final));
    return this.read(run, final);
  }

  /** Computes every missing cell; resolves once all are stored, with the last progress. */
  async analyze(runId: number, onProgress?: (p: AnalysisProgress) => void): Promise<AnalysisProgress> {
    const run = this.jobs.requireRun(runId);
    const final = await this.final(run);
    onProgress?.(this.progress(run, final));
    if (final) await Promise.all(this.schedule(run, final).map((row) => row.then(() => onProgress?.(this.progress(run, final)))));
    return this.progress(run, final);
  }

  private read(run: RunDetail, final: Final | undefined): RewindMap {
    const rows = final ? readResults(this.ctx.db, run.id, 'rewind', final.params) : new Map<number, Float64Array>();
    const reinit = final ? readResults(this.ctx.db, run.id, 'reinit', this.reinitParams(run, final)).get(final.seq) : undefined;
    const last = run.snapshots.at(-1);
    return {
      runId: run.id,
      training: run.status === 'running',
      seqs: run.snapshots.map((s) => s.seq),
      epochs: run.snapshots.map((s) => s.epoch),
      layers: [...LAYERS],
      finalSeq: final?.seq ?? null,
      finalAccuracy: last?.metrics.testAccuracy ?? null,
      accuracy: LAYERS.map((_, l) => run.snapshots.map((s) => rows.get(s.seq)?.[l] ?? null)),
      reinit: LAYERS.map((_, l) => reinit?.[l] ?? null),
      reinitSeed: reinitSeed(run),
      chance: 1 / run.classes.length,
      testImages: final?.test.count ?? 0,
      analysed: rows.size + (reinit ? 1 : 0),
      total: run.snapshots.length + 1,
    };
  }

  private schedule(run: RunDetail, final: Final): Promise<void>[] {
    const stored = readResults(this.ctx.db, run.id, 'rewind', final.params);
    const rows = run.snapshots
      .filter((s) => !stored.has(s.seq))
      .map(({ seq }) => this.jobs.row(run.id, `rewind:${run.id}:${final.seq}:${seq}`, (signal) => this.computeRow(run, final, seq, signal)));
    const reinitParams = this.reinitParams(run, final);
    if (!readResults(this.ctx.db, run.id, 'reinit', reinitParams).has(final.seq)) {
      rows.push(this.jobs.row(run.id, `reinit:${run.id}:${final.seq}`, (signal) => this.computeReinit(run, final, reinitParams, signal)));
    }
    return rows;
  }

  /** Snapshot `seq`'s column: each layer of the final network put back to it. */
  private async computeRow(run: RunDetail, final: Final, seq: number, signal: AbortSignal): Promise<void> {
    if (readResults(this.ctx.db, run.id, 'rewind', final.params).has(seq)) return; // another process did it meanwhile
    const at = this.jobs.weightsOf(run.id, seq);
    const variants = LAYERS.map((layer) => ({ layer, from: { [`${layer}/kernel`]: at[`${layer}/kernel`], [`${layer}/bias`]: at[`${layer}/bias`] } }));
    await this.store(run, final, seq, 'rewind', final.params, variants, signal);
  }

  private async computeReinit(run: RunDetail, final: Final, params: string, signal: AbortSignal): Promise<void> {
    const seed = reinitSeed(run);
    await this.store(run, final, final.seq, 'reinit', params, LAYERS.map((layer) => ({ layer, reinitSeed: seed })), signal);
  }

  private async store(
    run: RunDetail,
    final: Final,
    seq: number,
    kind: 'rewind' | 'reinit',
    params: string,
    variants: Parameters<AnalysisContext['inference']['rewind']>[1]['variants'],
    signal: AbortSignal,
  ): Promise<void> {
    const geometry = { shape: run.inputShape, classes: run.classes.length };
    const { accuracy } = await this.ctx.inference.rewind({ geometry, weights: this.jobs.weightsOf(run.id, final.seq), split: final.test }, { variants });
    signal.throwIfAborted();
    if (!writeResults(this.ctx.db, run.id, seq, params, [{ kind, data: accuracy }])) throw removed(run.id);
    this.ctx.emit('analysis.progress', this.progress(run, final));
  }

  private progress(run: RunDetail, final: Final | undefined): AnalysisProgress {
    const done = final ? countResults(this.ctx.db, run.id, 'rewind', final.params) + countResults(this.ctx.db, run.id, 'reinit', this.reinitParams(run, final)) : 0;
    return { runId: run.id, kind: 'rewind', done, total: run.snapshots.length + 1, probes: 0 };
  }

  private reinitParams(run: RunDetail, final: Final): string {
    return paramsKey({ final: final.seq, seed: reinitSeed(run) });
  }

  /** The last stored snapshot and the run's own test images; none for a run without snapshots. */
  private async final(run: RunDetail): Promise<Final | undefined> {
    const last = run.snapshots.at(-1);
    if (!last) return undefined;
    return { seq: last.seq, params: paramsKey({ final: last.seq }), test: await this.ownTest(run) };
  }
}
