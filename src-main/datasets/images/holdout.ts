/**
 * The test split of a folder without one: a seeded, stratified hold-out. Each class gives
 * round(n × fraction) of its n images (at least one when it has two, never all of them); which ones
 * is decided by ranking the files by a seeded hash of their path. So the same seed and files always
 * give the same split, on any machine, and a file added later moves at most one other across.
 */
import { createHash } from 'node:crypto';

/** For each item (`rel` path, class `label`), whether it is held out for testing. */
export function holdOut(items: { rel: string; label: number }[], fraction: number, seed: number): boolean[] {
  const byClass = new Map<number, number[]>();
  items.forEach((item, i) => {
    const members = byClass.get(item.label) ?? [];
    members.push(i);
    byClass.set(item.label, members);
  });
  const rank = items.map((item) => createHash('sha256').update(`${seed}\0${item.rel}`).digest('hex'));
  const test = new Array<boolean>(items.length).fill(false);
  for (const members of byClass.values()) {
    const n = members.length;
    const take = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    members.sort((a, b) => (rank[a]! < rank[b]! ? -1 : rank[a]! > rank[b]! ? 1 : a - b));
    for (const i of members.slice(0, take)) test[i] = true;
  }
  return test;
}
