/**
 * How much each filter moved between consecutive snapshots: the data behind the change heat map
 * (snapshots × filters) that shows when each filter settles, and behind a filter's own change curves.
 * Both come from the layer's stored statistics (worked out on the main side), not from its weights.
 */
import type { TensorStats } from '@contract/api.ts';

export interface ChangeMatrix {
  /** Rows: snapshot positions 1..n-1 (change since the previous one); columns: filters. */
  rows: number;
  filters: number;
  /** rows × filters, row-major: ‖W_i,f − W_i−1,f‖ / ‖W_i−1,f‖. */
  values: Float32Array;
}

export function changeMatrix(stats: Pick<TensorStats, 'shape' | 'seqs' | 'changePrev'>): ChangeMatrix {
  const filters = stats.shape.at(-1) ?? 1;
  const rows = Math.max(0, stats.seqs.length - 1);
  return { rows, filters, values: stats.changePrev.subarray(filters, (rows + 1) * filters) };
}

/** One filter's relative change at every snapshot, since the previous one or since the first (0 at the first). */
export function filterCurve(stats: Pick<TensorStats, 'shape' | 'seqs' | 'changePrev' | 'changeInit'>, filter: number, since: 'prev' | 'init'): number[] {
  const filters = stats.shape.at(-1) ?? 1;
  const values = since === 'prev' ? stats.changePrev : stats.changeInit;
  return stats.seqs.map((_, i) => values[i * filters + filter]!);
}

/**
 * Log-scaled position in [0, 1] of each value between the smallest positive value and the largest,
 * because early changes are orders of magnitude larger than late ones and a linear scale would hide
 * the settling. Zeros map to 0.
 */
export function logUnit(values: Float32Array): { t: Float32Array; min: number; max: number } {
  let min = Infinity;
  let max = 0;
  for (const v of values) {
    if (v > 0 && v < min) min = v;
    if (v > max) max = v;
  }
  const t = new Float32Array(values.length);
  if (!(max > 0)) return { t, min: 0, max: 0 };
  const lo = Math.log(min);
  const span = Math.log(max) - lo || 1;
  for (let i = 0; i < values.length; i++) t[i] = values[i]! > 0 ? (Math.log(values[i]!) - lo) / span : 0;
  return { t, min, max };
}

/**
 * The change heat map as palette indices, time along x (one column per step) and filters down y, on
 * the upper (positive) half of the colour map: zero change is the map's zero colour.
 */
export function heatIndices(m: ChangeMatrix, t: Float32Array, zero: number, top: number): Uint8Array {
  const out = new Uint8Array(m.rows * m.filters);
  for (let r = 0; r < m.rows; r++) {
    for (let f = 0; f < m.filters; f++) out[f * m.rows + r] = zero + Math.round(t[r * m.filters + f]! * (top - zero));
  }
  return out;
}
