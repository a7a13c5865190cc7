/**
 * What every analysis of a run shares (service.ts, rewind.ts, linear.ts): one job per stored row on the
 * core's work queue, at `background` priority and in the run's group (removing the run cancels them),
 * never asked for twice while it waits or runs; and how a failed background analysis is told.
 */
import { ApiError, type EmitEvent, type RunDetail } from '../../../src-preload/api.ts';
import type { Split } from '../../datasets/split.ts';
import { firstImages, type TestSets } from '../activations/test-set.ts';
import { getRun } from '../store/runs.ts';
import { weightsAt, type ForwardContext } from '../work/inference.ts';
import { runGroup } from '../work/queue.ts';
import type { SnapshotWeights } from '../../trainer/protocol.ts';

/** What an analysis needs: the stored weights, the queue, the forward-pass process, and where to say how far it is. */
export type AnalysisContext = ForwardContext & { emit: EmitEvent };

export const removed = (runId: number) => new ApiError('not-found', `run #${runId} was removed while it was being analysed; nothing of it was stored`, 'runId');

export class RowJobs {
  /** The rows being computed or waiting for their turn, by key. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly ctx: ForwardContext) {}

  /** The job that stores row `key` of run `runId`: the one already waiting for it, else a new one. */
  row(runId: number, key: string, compute: (signal: AbortSignal) => Promise<void>): Promise<void> {
    let row = this.pending.get(key);
    if (!row) {
      row = this.ctx.work.run('background', compute, runGroup(runId));
      this.pending.set(key, row);
      void row.then(
        () => this.pending.delete(key),
        () => this.pending.delete(key),
      );
    }
    return row;
  }

  /** A snapshot's weights; a run removed meanwhile is said so (its tensors are gone). */
  weightsOf(runId: number, seq: number): SnapshotWeights {
    const weights = weightsAt(this.ctx.db, runId, seq);
    if (Object.values(weights).some((w) => w === undefined)) throw removed(runId);
    return weights;
  }

  requireRun(runId: number): RunDetail {
    const run = getRun(this.ctx.db, runId);
    if (!run) throw new ApiError('not-found', `no run #${runId}`, 'runId');
    return run;
  }
}

/** Waits for rows without being waited for; a failure is reported once. */
export function inBackground(run: RunDetail, rows: Promise<void>[]): void {
  if (rows.length > 0) Promise.all(rows).catch((err: unknown) => warn(run, err));
}

/** A background analysis that failed, said once on stderr; a removed run's cancelled jobs are not news. */
export function warn(run: RunDetail, err: unknown): void {
  if (err instanceof ApiError && (err.code === 'conflict' || err.code === 'not-found')) return;
  console.warn(`weightlapse: the analysis of run #${run.id} stopped: ${err instanceof Error ? err.message : String(err)}`);
}

/** An analysis measured on a run's own test images (the rewind map, the linear share). */
export abstract class RunAnalysis {
  constructor(
    protected readonly ctx: AnalysisContext,
    protected readonly testSets: TestSets,
    protected readonly jobs: RowJobs,
  ) {}

  /** The run's own test split: its data set's, with the run's limit, as its training measured test accuracy. */
  protected async ownTest(run: RunDetail): Promise<Split> {
    return firstImages((await this.testSets.of(run)).test, run.inputShape, run.config.testLimit);
  }
}
