import { describe, expect, it } from 'vitest';
import type { TensorSeries } from '../../../../src-preload/api.ts';
import { filterCosines, matchFilters, reorderSeries } from '../../../../src-main/shared/render/match-filters.ts';
import { lcg, makeSeries } from './series.ts';

/** A fixed shuffle of 0..n-1 (Fisher–Yates on the test's own generator). */
function permutation(n: number, seed: number): number[] {
  const rand = lcg(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((rand() + 0.5) * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/**
 * Run B as run A with its filters moved: A's filter i is B's filter `moved[i]`, times `signs[i]`; with
 * `inputs`, B's input channel `inputs[c]` is A's channel c.
 */
function scramble(a: TensorSeries, moved: number[], signs: number[], inputs?: number[]): TensorSeries {
  const [kh = 1, kw = 1, inC, outC] = a.shape.length === 4 ? a.shape : [1, 1, a.shape[0]!, a.shape[1]!];
  const data = new Float32Array(a.data.length);
  const per = kh * kw * inC! * outC!;
  for (let s = 0; s < a.seqs.length; s++)
    for (let p = 0; p < kh * kw; p++)
      for (let c = 0; c < inC!; c++)
        for (let o = 0; o < outC!; o++) {
          const from = s * per + (p * inC! + c) * outC! + o;
          const to = s * per + (p * inC! + (inputs?.[c] ?? c)) * outC! + moved[o]!;
          data[to] = signs[o]! * a.data[from]!;
        }
  return { shape: a.shape, seqs: a.seqs, data };
}

const last = (s: TensorSeries) => s.data.subarray(s.data.length - s.data.length / s.seqs.length);
const signsOf = (n: number, seed: number) => permutation(n, seed).map((v) => (v % 3 === 0 ? -1 : 1));

describe('filter matching', () => {
  it('recovers a known permutation with sign flips of conv1 exactly', () => {
    const a = makeSeries([5, 5, 1, 20], 3, 4);
    const moved = permutation(20, 11);
    const signs = signsOf(20, 12);
    expect(signs).toContain(-1);
    const b = scramble(a, moved, signs);

    const match = matchFilters(a.shape, last(a), last(b));
    expect(match.order).toEqual(moved);
    expect(match.signs).toEqual(signs);
    for (const s of match.similarity) expect(s).toBeCloseTo(1, 6);
    // Reordered, B is A again, bit for bit, in every snapshot.
    expect(reorderSeries(b, { outputs: match }).data).toEqual(a.data);
  });

  it('reorders conv2’s input channels by conv1’s match, then matches its outputs', () => {
    const conv1 = makeSeries([5, 5, 1, 20], 2, 5);
    const conv2 = makeSeries([5, 5, 20, 50], 2, 6);
    const moved1 = permutation(20, 21);
    const signs1 = signsOf(20, 22);
    const moved2 = permutation(50, 23);
    const signs2 = signsOf(50, 24);
    const b1 = scramble(conv1, moved1, signs1);
    const b2 = scramble(conv2, moved2, signs2, moved1);

    const m1 = matchFilters(conv1.shape, last(conv1), last(b1));
    expect(m1.order).toEqual(moved1);
    const inputsAligned = reorderSeries(b2, { inputs: m1.order });
    const m2 = matchFilters(conv2.shape, last(conv2), last(inputsAligned));
    expect(m2.order).toEqual(moved2);
    expect(m2.signs).toEqual(signs2);
    expect(reorderSeries(b2, { inputs: m1.order, outputs: m2 }).data).toEqual(conv2.data);
  });

  it('keeps dense kernels’ rows and moves their units', () => {
    const a = makeSeries([500, 10], 1, 8);
    const moved = permutation(10, 31);
    const signs = signsOf(10, 32);
    const b = scramble(a, moved, signs);
    const match = matchFilters(a.shape, last(a), last(b));
    expect(match.order).toEqual(moved);
    expect(reorderSeries(b, { outputs: match }).data).toEqual(a.data);
    expect(() => reorderSeries(b, { inputs: [0] })).toThrow(/only .* conv kernels/);
  });

  it('finds the best total match, not the greedy one', () => {
    // A dense kernel [inputs, filters]: filter o is column o. A0's closest is B0, but giving it B0
    // leaves A1 with B1 (|cos| 0.995 + 0.48); the optimal swap scores 0.6 + 0.999.
    const columns = (f: number[][]) => Float32Array.from([f[0]![0]!, f[1]![0]!, f[0]![1]!, f[1]![1]!]);
    const a = columns([[1, 0], [0.99, 0.141]]);
    const b = columns([[0.995, 0.0998], [0.6, -0.8]]);
    const cos = filterCosines([2, 2], a, b);
    expect(Math.abs(cos[0]!)).toBeGreaterThan(Math.abs(cos[1]!));
    const match = matchFilters([2, 2], a, b);
    expect(match.order).toEqual([1, 0]);
    expect(match.signs).toEqual([1, 1]);
    expect(match.similarity[0]).toBeCloseTo(0.6, 6);
  });

  it('gives a zero filter cosine 0 instead of NaN', () => {
    // Filter 0 of A is (0, 0); filter 1 is (1, 1), like both of B's.
    const cos = filterCosines([2, 2], Float32Array.from([0, 1, 0, 1]), Float32Array.from([1, 1, 1, 1]));
    expect(Array.from(cos)).toEqual([0, 0, expect.closeTo(1, 6), expect.closeTo(1, 6)]);
  });
});
