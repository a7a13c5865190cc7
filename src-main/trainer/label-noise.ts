/**
 * The noisy-labels experiment's flips: a seeded share of the training images get another class's label
 * (each different class equally likely), in memory only — the data set on disk stays as it is. The same
 * run config gives the same flips, so a resumed run trains on the labels it started with.
 */
import type { Split } from '../datasets/split.ts';
import type { LabelNoise } from './protocol.ts';
import { ShuffleRng } from './shuffle.ts';

/** The flips of `round(share · count)` images, by ascending index, with the labels they get. */
export function flipLabels(labels: Uint8Array, classes: number, share: number, seed: number): LabelNoise {
  const rng = new ShuffleRng((seed ^ 0x5bd1e995) >>> 0);
  const count = Math.round(share * labels.length);
  const indices = rng.permutation(labels.length).slice(0, count).sort();
  const flipped = Uint8Array.from(indices, (i) => (labels[i]! + 1 + Math.floor(rng.next() * (classes - 1))) % classes);
  return { share, indices, labels: flipped };
}

/** The split with the flips applied to a copy of its labels. */
export function withNoise(split: Split, noise: LabelNoise): Split {
  const labels = split.labels.slice();
  noise.indices.forEach((i, k) => (labels[i] = noise.labels[k]!));
  return { ...split, labels };
}
