import { ApiError, type Handlers, type MethodsOf } from '../../../src-preload/api.ts';
import { getStoredRun } from '../store/runs.ts';
import { listSnapshots, readTensor, readTensorSeries } from '../store/snapshots.ts';
import type { CoreContext } from './context.ts';

export function weightHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'weights' | 'metrics'>> {
  const requireRun = (runId: number) => {
    if (!getStoredRun(ctx.db, runId)) throw new ApiError('not-found', `no run #${runId}`, 'runId');
  };
  return {
    'weights.get': ({ runId, tensor, seq }) => {
      requireRun(runId);
      const value = readTensor(ctx.db, runId, tensor, seq);
      if (!value) throw new ApiError('not-found', `run #${runId} has no snapshot ${seq}`, 'seq');
      return value;
    },
    'weights.series': ({ runId, tensor, seqs }) => {
      requireRun(runId);
      const series = readTensorSeries(ctx.db, runId, tensor, seqs);
      if (!series) throw new ApiError('not-found', `run #${runId} has no snapshots${seqs ? ' with those seqs' : ''}`, seqs ? 'seqs' : 'runId');
      return series;
    },
    'metrics.get': ({ runId }) => {
      requireRun(runId);
      return listSnapshots(ctx.db, runId);
    },
  };
}
