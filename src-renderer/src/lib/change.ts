/**
 * How much each filter moved between consecutive snapshots: the data behind the change heat map
 * (snapshots × filters) that shows when each filter settles, and behind a filter's own change curve.
 */
import type { TensorSeries } from '@contract/api.ts';
import { filterChange, tensorAt } from '@render/diff.ts';

export interface ChangeMatrix {
  /** Rows: snapshot positions 1..n-1 (change since the previous one); columns: filters. */
  rows: number;
  filters: number;
  /** rows × filters, row-major: ‖W_i,f − W_i−1,f‖ / ‖W_i−1,f‖. */
  values: Float32Array;
}

export function changeMatrix(series: TensorSeries): ChangeMatrix {
  const filters = series.shape.at(-1) ?? 1;
  const rows = Math.max(0, series.seqs.length - 1);
  const values = new Float32Array(rows * filters);
  for (let i = 1; i <= rows; i++) {
    values.set(filterChange(series.shape, tensorAt(series, i), tensorAt(series, i - 1)), (i - 1) * filters);
  }
  return { rows, filters, values };
}

/** One filter's relative change since the initial weights, at every snapshot (0 at the first). */
export function filterCurve(series: TensorSeries, filter: number): number[] {
  const init = tensorAt(series, 0);
  return series.seqs.map((_, i) => filterChange(series.shape, tensorAt(series, i), init)[filter]!);
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
