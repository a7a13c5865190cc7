import { describe, expect, it } from 'vitest';
import { maxFor, mergeScales, scaleFor } from '../../../../src-main/shared/render/scale.ts';
import { makeSeries } from './series.ts';

describe('scaleFor', () => {
  it('takes the largest |w| over every epoch of the series, per layer and per filter', () => {
    const s = makeSeries([5, 5, 1, 20], 6);
    const size = 500;
    const layer = scaleFor(s.shape, s.data, 'layer');
    let max = 0;
    const perFilter = new Array<number>(20).fill(0);
    s.data.forEach((v, i) => {
      max = Math.max(max, Math.abs(v));
      perFilter[i % 20] = Math.max(perFilter[i % 20]!, Math.abs(v));
    });
    expect(layer.max).toBeCloseTo(max, 6);
    // The last epoch alone has a smaller maximum for some filter than the whole run: the scale is the run's.
    const last = scaleFor(s.shape, s.data.subarray(5 * size), 'filter');
    const first = scaleFor(s.shape, s.data.subarray(0, size), 'filter');
    const whole = scaleFor(s.shape, s.data, 'filter');
    for (let f = 0; f < 20; f++) {
      expect(whole.filterMax[f]).toBeCloseTo(perFilter[f]!, 6);
      expect(whole.filterMax[f]).toBeGreaterThanOrEqual(Math.max(first.filterMax[f]!, last.filterMax[f]!));
      expect(maxFor(whole, f)).toBe(whole.filterMax[f]);
      expect(maxFor(layer, f)).toBe(layer.max);
    }
    expect(first.max).toBeLessThan(layer.max);
  });

  it('accepts the tensors as separate arrays, with the same result', () => {
    const s = makeSeries([800, 10], 3);
    const parts = [0, 1, 2].map((e) => s.data.subarray(e * 8000, (e + 1) * 8000));
    expect(scaleFor(s.shape, parts, 'filter')).toEqual(scaleFor(s.shape, s.data, 'filter'));
    expect(() => scaleFor(s.shape, new Float32Array(7), 'layer')).toThrow(/do not fill tensors of shape \[800, 10\]/);
  });

  it('merges runs into one shared scale', () => {
    const a = scaleFor([5, 5, 1, 20], makeSeries([5, 5, 1, 20], 3, 1).data, 'filter');
    const b = scaleFor([5, 5, 3, 20], makeSeries([5, 5, 3, 20], 3, 2).data, 'filter');
    const m = mergeScales([a, b]);
    expect(m.max).toBe(Math.max(a.max, b.max));
    for (let f = 0; f < 20; f++) expect(m.filterMax[f]).toBe(Math.max(a.filterMax[f]!, b.filterMax[f]!));
    expect(() => mergeScales([a, scaleFor([5, 5, 20, 50], new Float32Array(25000), 'layer')])).toThrow(/not the same layer/);
  });
});
