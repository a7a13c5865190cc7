/**
 * What changed: W_e − W_ref, and how much each filter moved relative to its size. Diffs get their own
 * symmetric scale (from the stored statistics, or `weights.diffScale`), since they are far smaller
 * than the weights.
 */
import type { TensorSeries } from '../../../src-preload/api.ts';

/** ref: the previous stored snapshot, the initial weights, or a chosen snapshot `seq`. */
export type DiffRef = 'prev' | 'init' | { seq: number };

const tensorSize = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The seq of the reference for the snapshot at position `i` of `seqs`. The first snapshot is its own "prev". */
export function refSeq(seqs: readonly number[], i: number, ref: DiffRef): number {
  if (ref === 'prev') return seqs[Math.max(0, i - 1)]!;
  if (ref === 'init') return seqs[0]!;
  if (!seqs.includes(ref.seq)) throw new Error(`diff reference: snapshot ${ref.seq} is not stored`);
  return ref.seq;
}

/** One tensor of a series (a view, no copy). */
export function tensorAt(series: TensorSeries, i: number): Float32Array {
  const size = tensorSize(series.shape);
  return series.data.subarray(i * size, (i + 1) * size);
}

/** ‖W_f − Ref_f‖ / ‖Ref_f‖ for each filter f (the last axis); 0 where the reference filter is all zero. */
export function filterChange(shape: readonly number[], w: Float32Array, ref: Float32Array): Float32Array {
  const filters = shape.at(-1) ?? 1;
  const num = new Float64Array(filters);
  const den = new Float64Array(filters);
  for (let i = 0, f = 0; i < w.length; i++, f = f + 1 === filters ? 0 : f + 1) {
    const d = w[i]! - ref[i]!;
    num[f]! += d * d;
    den[f]! += ref[i]! * ref[i]!;
  }
  return Float32Array.from(num, (n, f) => (den[f]! > 0 ? Math.sqrt(n / den[f]!) : 0));
}

/** The k filters that changed most, largest first; one that did not move is never "most changed". */
export function topFilters(change: Float32Array, k: number): number[] {
  return Array.from(change.keys())
    .filter((f) => change[f]! > 0)
    .sort((a, b) => change[b]! - change[a]! || a - b)
    .slice(0, Math.max(0, k));
}
