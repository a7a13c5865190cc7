/**
 * What each unit responds to, as the forward server computes it (trainer/analysis/filters.ts), on the wasm
 * backend with LeNet-shaped seeded weights: the top examples rank ties by the lower image index and place
 * a conv unit's peak where its map peaks; feature visualization gives the same bytes for the same seed and
 * weights, another picture for another seed, and the same starting image for every unit. (The numbers
 * against PyTorch on a trained run: tests/unit/cli/filters.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TENSOR_NAMES, TOP_EXAMPLES } from '../../../src-preload/api.ts';
import { initBackend } from '../../../src-main/trainer/backend/index.ts';
import { featureVis, startingParameter, topExamples } from '../../../src-main/trainer/analysis/filters.ts';
import type { SnapshotWeights } from '../../../src-main/trainer/protocol.ts';

const geometry = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
const SIZES: Record<(typeof TENSOR_NAMES)[number], number> = {
  'conv1/kernel': 500, 'conv1/bias': 20, 'conv2/kernel': 25_000, 'conv2/bias': 50,
  'fc1/kernel': 400_000, 'fc1/bias': 500, 'fc2/kernel': 5000, 'fc2/bias': 10,
};

/** Seeded uniform weights of a kernel's Glorot scale (biases 0.01), or zero kernels. */
function weights(seed: number, zero = false): SnapshotWeights {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Object.fromEntries(
    TENSOR_NAMES.map((name) => [name, Float32Array.from({ length: SIZES[name] }, () => (name.endsWith('bias') ? 0.01 : zero ? 0 : (next() - 0.5) * 0.3))]),
  );
}

/** Seeded test images, bytes. */
function images(count: number, seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 22695477) + 1) >>> 0) / 2 ** 32);
  return { images: Uint8Array.from({ length: count * 784 }, () => Math.floor(next() * 256)), labels: new Uint8Array(count), count };
}

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: 1 });
});

describe('top examples', () => {
  it('ranks equal activations by the lower image index', () => {
    // Zero kernels: every image gives every unit the same value (its bias, through the ReLU).
    const { units, data } = topExamples(weights(1, true), images(30, 2), geometry);
    expect(units).toEqual([20, 50, 10]);
    const per = 1 + 4 * TOP_EXAMPLES;
    for (let u = 0; u < 80; u++) {
      const ranked = Array.from({ length: TOP_EXAMPLES }, (_, k) => data[u * per + 1 + 4 * k]);
      expect(ranked).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    }
  });

  it('orders each unit best first, with its peak inside its map', () => {
    const { data } = topExamples(weights(3), images(40, 4), geometry);
    const per = 1 + 4 * TOP_EXAMPLES;
    for (let u = 0; u < 80; u++) {
      const values = Array.from({ length: TOP_EXAMPLES }, (_, k) => data[u * per + 2 + 4 * k]!);
      expect(values).toEqual([...values].sort((a, b) => b - a));
      const side = u < 20 ? 24 : u < 70 ? 8 : 1;
      for (let k = 0; k < TOP_EXAMPLES; k++) {
        const [y, x] = [data[u * per + 3 + 4 * k]!, data[u * per + 4 + 4 * k]!];
        expect(y >= 0 && y < side && x >= 0 && x < side).toBe(true);
      }
    }
  });
});

describe('feature visualization', () => {
  it('gives the same bytes for the same seed, another picture for another seed', () => {
    const w = weights(5);
    const a = featureVis(w, geometry, 3, 7);
    const b = featureVis(w, geometry, 3, 7);
    const c = featureVis(w, geometry, 3, 8);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
    // Every pixel on the input scale; the starting image (after the last unit) the same for every unit and snapshot.
    const per = 2 + 784;
    for (let u = 0; u < 80; u++) for (const v of a.data.subarray(u * per + 2, (u + 1) * per)) expect(v >= 0 && v <= 1).toBe(true);
    const other = featureVis(weights(6), geometry, 1, 7);
    expect(Array.from(other.data.subarray(80 * per))).toEqual(Array.from(a.data.subarray(80 * per)));
    expect(startingParameter([28, 28, 1], 7)).toEqual(startingParameter([28, 28, 1], 7));
  });
});
