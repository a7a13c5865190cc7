import type { Split } from './split.ts';

/** The first `perClass` images of each class, class by class, as concatenated HWC bytes, labels and test-split indices. */
export function pickSamples(
  split: Split,
  [h, w, c]: [number, number, number],
  classCount: number,
  perClass: number,
): { images: Uint8Array; labels: number[]; indices: number[] } {
  const size = h * w * c;
  const chosen: number[][] = Array.from({ length: classCount }, () => []);
  let needed = classCount * perClass;
  for (let i = 0; i < split.count && needed > 0; i++) {
    const bucket = chosen[split.labels[i]!]!;
    if (bucket.length < perClass) {
      bucket.push(i);
      needed--;
    }
  }
  const order = chosen.flat();
  const images = new Uint8Array(order.length * size);
  order.forEach((i, n) => images.set(split.images.subarray(i * size, (i + 1) * size), n * size));
  return { images, labels: order.map((i) => split.labels[i]!), indices: order };
}
