/** One part of a data set in memory: HWC bytes of every image, one after another, and their labels. */
export interface Split {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}
