import { ApiError, type Handlers, type MethodsOf, type TensorName, type TensorValue } from '../../../src-preload/api.ts';
import { reorderSeries } from '../../shared/render/match-filters.ts';
import { getStoredRun } from '../store/runs.ts';
import { listSnapshots, readTensor, readTensorSeries } from '../store/snapshots.ts';
import { readStatsSeries } from '../store/tensor-stats.ts';
import type { CoreContext } from './context.ts';

export function weightHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'weights' | 'metrics'>> {
  const requireRun = (runId: number, field = 'runId') => {
    if (!getStoredRun(ctx.db, runId)) throw new ApiError('not-found', `no run #${runId}`, field);
  };
  /** The tensor at one snapshot, or a not-found naming the snapshot and the field it came from. */
  const tensorAt = (runId: number, tensor: TensorName, seq: number, field: string) => {
    const value = readTensor(ctx.db, runId, tensor, seq);
    if (!value) throw new ApiError('not-found', `run #${runId} has no snapshot ${seq}`, field);
    return value;
  };
  return {
    'weights.get': ({ runId, tensor, seq }) => {
      requireRun(runId);
      return tensorAt(runId, tensor, seq, 'seq');
    },
    'weights.series': ({ runId, tensor, seqs }) => {
      requireRun(runId);
      const series = readTensorSeries(ctx.db, runId, tensor, seqs);
      if (!series) throw new ApiError('not-found', `run #${runId} has no snapshots${seqs ? ' with those seqs' : ''}`, seqs ? 'seqs' : 'runId');
      const missing = seqs?.filter((s) => !series.seqs.includes(s)) ?? [];
      if (missing.length) throw new ApiError('not-found', `run #${runId} has no snapshot ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`, 'seqs');
      return series;
    },
    'weights.stats': ({ runId, tensor }) => {
      requireRun(runId);
      const stats = readStatsSeries(ctx.db, runId, tensor);
      if (!stats) throw new ApiError('not-found', `run #${runId} has no snapshots yet`, 'runId');
      return stats;
    },
    'weights.diffScale': ({ tensor, a, b, reorderB }) => {
      requireRun(a.runId, 'a.runId');
      requireRun(b.runId, 'b.runId');
      // Each side's seqs run along a timeline: the tensor last read is kept, so each snapshot is read once.
      const reader = (side: 'a' | 'b', runId: number, reorder?: Reorder) => {
        let last: { seq: number; value: TensorValue } | undefined;
        return (seq: number, k: number): TensorValue => {
          if (last?.seq !== seq) {
            const t = tensorAt(runId, tensor, seq, `${side}.seqs.${k}`);
            last = { seq, value: reorder ? { shape: t.shape, data: reordered(t, reorder) } : t };
          }
          return last.value;
        };
      };
      const readA = reader('a', a.runId);
      const readB = reader('b', b.runId, reorderB);
      const first = readA(a.seqs[0]!, 0);
      const filters = first.shape.at(-1) ?? 1;
      const filterMaxAbs = new Float32Array(filters);
      a.seqs.forEach((seq, k) => {
        const wa = readA(seq, k).data;
        const wb = readB(b.seqs[k]!, k);
        if (wb.shape.join() !== first.shape.join()) {
          throw new ApiError('bad-input', `${tensor} of run #${a.runId} is [${first.shape.join(', ')}], of run #${b.runId} [${wb.shape.join(', ')}]`, 'b.runId');
        }
        for (let i = 0, f = 0; i < wa.length; i++, f = f + 1 === filters ? 0 : f + 1) {
          const d = Math.abs(wa[i]! - wb.data[i]!);
          if (d > filterMaxAbs[f]!) filterMaxAbs[f] = d;
        }
      });
      return { filterMaxAbs };
    },
    'metrics.get': ({ runId }) => {
      requireRun(runId);
      return listSnapshots(ctx.db, runId);
    },
  };
}

type Reorder = { order: number[]; signs: (1 | -1)[]; inputs?: number[] };

/** One tensor with its filters (and input channels) reordered, after checking that the order fits its shape. */
function reordered({ shape, data }: TensorValue, r: Reorder): Float32Array {
  const isPermutation = (order: number[], n: number) => order.length === n && new Set(order).size === n && order.every((i) => i < n);
  const filters = shape.at(-1) ?? 1;
  if (!isPermutation(r.order, filters) || r.signs.length !== filters) {
    throw new ApiError('bad-input', `reorderB: needs an order of all ${filters} filters, each once, with a sign each`, 'reorderB.order');
  }
  if (r.inputs && !(shape.length === 4 && isPermutation(r.inputs, shape[2]!))) {
    throw new ApiError('bad-input', `reorderB: needs an order of all ${shape.length === 4 ? shape[2] : 0} input channels`, 'reorderB.inputs');
  }
  return reorderSeries({ shape, seqs: [0], data }, { outputs: { order: r.order, signs: r.signs }, inputs: r.inputs }).data;
}
