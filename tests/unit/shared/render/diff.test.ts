import { describe, expect, it } from 'vitest';
import { filterChange, refSeq, topFilters } from '../../../../src-main/shared/render/diff.ts';

describe('diffs', () => {
  it('are taken against the previous stored snapshot, the first one, or a chosen one', () => {
    const seqs = [0, 1, 2, 5, 9];
    expect(refSeq(seqs, 0, 'prev')).toBe(0);
    expect(refSeq(seqs, 3, 'prev')).toBe(2);
    expect(refSeq(seqs, 4, 'init')).toBe(0);
    expect(refSeq(seqs, 1, { seq: 5 })).toBe(5);
    expect(() => refSeq(seqs, 1, { seq: 7 })).toThrow(/snapshot 7 is not stored/);
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
