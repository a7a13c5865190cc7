/**
 * Putting run B's filters in the slots of the run A filters they most resemble. Two independently
 * initialised runs learn similar filters in different slots (and a filter and its negative play the
 * same part before a symmetric read-out), so side by side they only line up after reordering.
 *
 * Similarity is the cosine between whole filters (the last axis of a kernel, all its other axes
 * flattened), sign-aware: |cos|, with B's filter negated where the cosine is negative. The one-to-one
 * assignment that maximises the total |cos| is the Hungarian algorithm's (munkres).
 */
import munkres from 'munkres';
import type { TensorSeries } from '../../../src-preload/api.ts';

export interface FilterMatch {
  /** For each filter slot of run A, the filter of run B put there. */
  order: number[];
  /** +1, or −1 where B's filter is shown negated. */
  signs: number[];
  /** |cos| of each pair, in A's order. */
  similarity: number[];
}

/** Cosine between filter i of `a` and filter j of `b`, at [i * filters + j]; 0 where either is all zero. */
export function filterCosines(shape: readonly number[], a: Float32Array, b: Float32Array): Float64Array {
  const filters = shape.at(-1) ?? 1;
  if (a.length !== b.length || a.length % filters !== 0) {
    throw new Error(`filterCosines: ${a.length} and ${b.length} values for kernels of shape [${shape.join(', ')}]`);
  }
  const dot = new Float64Array(filters * filters);
  const na = new Float64Array(filters);
  const nb = new Float64Array(filters);
  for (let base = 0; base < a.length; base += filters) {
    for (let i = 0; i < filters; i++) {
      const ai = a[base + i]!;
      na[i]! += ai * ai;
      const bi = b[base + i]!;
      nb[i]! += bi * bi;
      if (ai === 0) continue;
      const row = i * filters;
      for (let j = 0; j < filters; j++) dot[row + j]! += ai * b[base + j]!;
    }
  }
  for (let i = 0; i < filters; i++) {
    for (let j = 0; j < filters; j++) {
      const den = Math.sqrt(na[i]! * nb[j]!);
      dot[i * filters + j] = den > 0 ? dot[i * filters + j]! / den : 0;
    }
  }
  return dot;
}

/** The order (and signs) of B's filters that best matches A's, over one tensor of each. */
export function matchFilters(shape: readonly number[], a: Float32Array, b: Float32Array): FilterMatch {
  const filters = shape.at(-1) ?? 1;
  const cos = filterCosines(shape, a, b);
  const cost = Array.from({ length: filters }, (_, i) => Array.from({ length: filters }, (_, j) => 1 - Math.abs(cos[i * filters + j]!)));
  const order = new Array<number>(filters).fill(-1);
  for (const [i, j] of munkres(cost)) order[i] = j;
  const signs = order.map((j, i) => (cos[i * filters + j]! < 0 ? -1 : 1));
  const similarity = order.map((j, i) => Math.abs(cos[i * filters + j]!));
  return { order, signs, similarity };
}

export interface Reorder {
  /** Output filters: slot i takes filter `order[i]`, times `signs[i]`. */
  outputs?: Pick<FilterMatch, 'order' | 'signs'>;
  /** Conv kernels only: input channel c takes channel `inputs[c]` (conv2 after conv1 was reordered). */
  inputs?: readonly number[];
}

/** Every tensor of a series with its filters (and input channels) reordered; a new series. */
export function reorderSeries(series: TensorSeries, reorder: Reorder): TensorSeries {
  const { shape } = series;
  const outC = shape.at(-1) ?? 1;
  const inC = shape.length === 4 ? shape[2]! : 1;
  const order = reorder.outputs?.order ?? Array.from({ length: outC }, (_, i) => i);
  const signs = reorder.outputs?.signs ?? new Array<number>(outC).fill(1);
  const inputs = reorder.inputs ?? Array.from({ length: inC }, (_, c) => c);
  if (order.length !== outC || signs.length !== outC) throw new Error(`reorderSeries: ${order.length} filters given for ${outC}`);
  if (reorder.inputs && shape.length !== 4) throw new Error('reorderSeries: input channels can only be reordered in conv kernels');
  if (inputs.length !== inC) throw new Error(`reorderSeries: ${inputs.length} input channels given for ${inC}`);

  const data = new Float32Array(series.data.length);
  // A conv kernel [kh, kw, inC, outC] is (kh·kw) blocks of inC rows of outC; a dense kernel one block of `in` rows.
  const rowsPerBlock = shape.length === 4 ? inC : 1;
  for (let row = 0; row < series.data.length / outC; row++) {
    const c = row % rowsPerBlock;
    const from = (row - c + inputs[c]!) * outC;
    const to = row * outC;
    for (let o = 0; o < outC; o++) data[to + o] = signs[o]! * series.data[from + order[o]!]!;
  }
  return { shape, seqs: series.seqs, data };
}
