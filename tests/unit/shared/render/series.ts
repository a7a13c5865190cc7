/**
 * Deterministic weight series for render and GIF tests: weights that start small and grow at a
 * different pace per filter, the way training moves them, so a per-frame scale would show.
 */
import type { TensorSeries } from '../../../../src-preload/api.ts';

/** A small linear congruential generator: the same numbers on every machine. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

export function makeSeries(shape: number[], snapshots: number, seed = 1): TensorSeries {
  const size = shape.reduce((a, b) => a * b, 1);
  const filters = shape.at(-1)!;
  const rand = lcg(seed);
  const base = Float32Array.from({ length: size }, () => rand() * 0.2);
  const drift = Float32Array.from({ length: size }, () => rand() * 0.1);
  const data = new Float32Array(size * snapshots);
  for (let e = 0; e < snapshots; e++) {
    for (let i = 0; i < size; i++) data[e * size + i] = base[i]! + drift[i]! * e * (1 + (i % filters) / filters);
  }
  return { shape, seqs: Array.from({ length: snapshots }, (_, e) => e), data };
}
