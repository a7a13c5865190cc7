/** The pure parts of the activation views: when a class or an input was learned, and the maps cache. */
import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../src-main/core/activations/cache.ts';
import { classAccuracy, confusionOf, overallAccuracy, staysNearFinalFrom, staysTrueFrom } from '../../../src-main/shared/learning.ts';

describe('learning', () => {
  it('reads per-class and overall accuracy off a confusion matrix', () => {
    const m = confusionOf([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 1], 4);
    expect(Array.from(m.counts)).toEqual([2, 1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(classAccuracy(m)).toEqual([2 / 3, 1 / 2, 0, null]);
    expect(overallAccuracy(m)).toBe(3 / 6);
  });

  it('says from when a series stays at 90 % of its final value, and never for one that ends at 0', () => {
    expect(staysNearFinalFrom([0.1, 0.5, 0.8, 0.85, 0.9])).toBe(3);
    // The untrained net calls every image this class (100 % at epoch 0), then learns the others: learned at 3.
    expect(staysNearFinalFrom([1, 0.3, 0.6, 0.92, 0.88, 0.95])).toBe(3);
    expect(staysNearFinalFrom([0.95, 0.5, 1])).toBe(2);
    expect(staysNearFinalFrom([0.95, 0.96, 1])).toBe(0);
    // A snapshot not evaluated does not break the stretch.
    expect(staysNearFinalFrom([0.2, 0.9, null, 1])).toBe(1);
    expect(staysNearFinalFrom([0.2, null, 0])).toBeNull();
    expect(staysNearFinalFrom([null, 0.4, null])).toBeNull();
  });

  it('says from when a prediction stays correct', () => {
    expect(staysTrueFrom([false, true, false, true, true])).toBe(3);
    expect(staysTrueFrom([true, true])).toBe(0);
    expect(staysTrueFrom([true, false])).toBeNull();
    expect(staysTrueFrom([])).toBeNull();
  });
});

describe('the maps cache', () => {
  it('keeps what fits the budget, dropping the least recently used first', () => {
    const cache = new LruCache<Float32Array>(100, (a) => a.byteLength);
    cache.set('a', new Float32Array(10));
    cache.set('b', new Float32Array(10));
    cache.get('a');
    cache.set('c', new Float32Array(10));
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((v) => v !== undefined)).toEqual([true, false, true]);
    expect(cache.size).toBe(80);
    cache.set('huge', new Float32Array(50));
    expect(cache.get('huge')).toBeDefined();
    expect(cache.size).toBe(200);
    cache.deletePrefix('hu');
    expect(cache.size).toBe(0);
  });
});
