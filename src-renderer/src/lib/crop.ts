/** A square crop of one HWC image of a batch (bytes), clipped to the image: a unit's receptive field around its peak. */
export function cropOf(images: Uint8Array, shape: readonly [number, number, number], k: number, corner: readonly [number, number], size: number): Uint8Array {
  const [h, w, c] = shape;
  const side = Math.min(size, h, w);
  const y0 = Math.min(Math.max(corner[0], 0), h - side);
  const x0 = Math.min(Math.max(corner[1], 0), w - side);
  const out = new Uint8Array(side * side * c);
  const base = k * h * w * c;
  for (let y = 0; y < side; y++) out.set(images.subarray(base + ((y0 + y) * w + x0) * c, base + ((y0 + y) * w + x0 + side) * c), y * side * c);
  return out;
}
