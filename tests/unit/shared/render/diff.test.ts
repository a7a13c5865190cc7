import { describe, expect, it } from 'vitest';
import { diffSeries, filterChange, tensorAt, topFilters } from '../../../../src-main/shared/render/diff.ts';
import { makeSeries } from './series.ts';

describe('diffs', () => {
  const s = makeSeries([5, 5, 1, 20], 4);

  it('subtract the previous snapshot, the first one, or a chosen one', () => {
    const prev = diffSeries(s, 'prev');
    const init = diffSeries(s, 'init');
    const chosen = diffSeries(s, { seq: 2 });
    for (const i of [0, 137, 499]) {
      expect(tensorAt(prev, 0)[i]).toBe(0);
      expect(tensorAt(prev, 3)[i]).toBeCloseTo(tensorAt(s, 3)[i]! - tensorAt(s, 2)[i]!, 6);
      expect(tensorAt(init, 3)[i]).toBeCloseTo(tensorAt(s, 3)[i]! - tensorAt(s, 0)[i]!, 6);
      expect(tensorAt(chosen, 1)[i]).toBeCloseTo(tensorAt(s, 1)[i]! - tensorAt(s, 2)[i]!, 6);
    }
    expect(() => diffSeries(s, { seq: 99 })).toThrow(/snapshot 99 is not in the series/);
  });

  it('measure each filter’s relative change and rank the largest first', () => {
    const ref = new Float32Array(8).fill(1); // shape [4, 2]: filter 0 = even indices, 1 = odd
    const w = Float32Array.from([1, 1, 1, 3, 1, 1, 1, 1]);
    const change = filterChange([4, 2], w, ref);
    expect(change[0]).toBe(0);
    expect(change[1]).toBeCloseTo(Math.sqrt(4 / 4), 6);
    expect(topFilters(Float32Array.from([0.1, 0.5, 0.3, 0.5]), 3)).toEqual([1, 3, 2]);
    expect(filterChange([2, 1], Float32Array.from([1, 2]), new Float32Array(2))[0]).toBe(0);
  });
});
