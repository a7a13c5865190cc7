/**
 * A run's probe set: the test images every snapshot's analyses are measured on. Seeded and stratified:
 * each class gives its share of the size (largest remainders first, then the lower class), and which of
 * its images is decided by ranking them by a seeded hash of their index, as the image folders' hold-out
 * ranks files (datasets/images/holdout.ts). So every run of one data set gets the same probe set of a
 * size, on any machine, and two runs' layers can be compared image for image.
 */
import { createHash } from 'node:crypto';

const PROBE_SEED = 1;

/** `size` indices of a test split with these labels, ascending. */
export function chooseProbes(labels: Uint8Array, classes: number, size: number): number[] {
  const members: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((label, i) => members[label]!.push(i));
  const exact = members.map((m) => (size * m.length) / labels.length);
  const take = exact.map(Math.floor);
  const byRemainder = exact.map((x, c) => ({ c, left: x - Math.floor(x) })).sort((a, b) => b.left - a.left || a.c - b.c);
  for (let k = 0, short = size - take.reduce((a, b) => a + b, 0); k < short; k++) take[byRemainder[k]!.c]!++;
  const rank = (i: number) => createHash('sha256').update(`${PROBE_SEED}\0${i}`).digest('hex');
  const chosen = members.flatMap((m, c) => {
    const ranked = m.map((i) => ({ i, r: rank(i) })).sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : a.i - b.i));
    return ranked.slice(0, take[c]).map((x) => x.i);
  });
  return chosen.sort((a, b) => a - b);
}
