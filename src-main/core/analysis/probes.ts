/**
 * A run's probe set: the test images every snapshot's analyses are measured on. Seeded and stratified:
 * each class gives its share of the size (largest remainders first, then the lower class), and which of
 * its images is decided by ranking them by a seeded hash of their index, as the image folders' hold-out
 * ranks files (datasets/images/holdout.ts). So every run of one data set gets the same probe set of a
 * size, on any machine, and two runs' layers can be compared image for image.
 */
import { createHash } from 'node:crypto';
import { ApiError, DEFAULT_PROBES, type ProbeSet, type RunDetail } from '../../../src-preload/api.ts';
import type { Split } from '../../datasets/split.ts';
import { runKey } from '../activations/cache.ts';
import { pickImages, type TestSets } from '../activations/test-set.ts';
import { paramsKey, readProbeSet, writeProbeSet } from '../store/analyses.ts';
import type { Db } from '../store/db.ts';
import { removed } from './jobs.ts';

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

/** A probe set as the analyses use it: its images, the params its results are stored under, and the key the forward server keeps them by. */
export interface Probes extends ProbeSet {
  split: Split;
  params: string;
  key: string;
}

/** The run's probe set of `size` (default: DEFAULT_PROBES, or its whole test split when smaller), chosen and stored the first time. */
export async function probeSetOf(db: Db, testSets: TestSets, run: RunDetail, size: number | undefined): Promise<Probes> {
  const set = await testSets.of(run);
  const count = set.test.count;
  if (size !== undefined && size > count) {
    throw new ApiError('bad-input', `probes: ${size} is more than the ${count} test images of run #${run.id}'s data set`, 'probes');
  }
  const chosen = size ?? Math.min(DEFAULT_PROBES, count);
  let indices = readProbeSet(db, run.id, chosen);
  if (!indices) {
    writeProbeSet(db, run.id, chooseProbes(set.test.labels, set.classes.length, chosen));
    indices = readProbeSet(db, run.id, chosen);
    if (!indices) throw removed(run.id);
  }
  return {
    size: chosen,
    indices,
    split: pickImages(set.test, run.inputShape, indices),
    params: paramsKey({ probes: chosen }),
    key: `${runKey(run)}:${chosen}`,
  };
}
