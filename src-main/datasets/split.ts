import type { ClassCounts } from '../../src-preload/api.ts';

/** One part of a data set in memory: HWC bytes of every image, one after another, and their labels. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export function countClasses(labels: Uint8Array, classCount: number): ClassCounts {
  const perClass = new Array<number>(classCount).fill(0);
  for (const l of labels) perClass[l]!++;
  return { count: labels.length, perClass };
}
