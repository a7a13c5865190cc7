/**
 * Sample images of a data set as one picture: a row per class, up to `columns` images each, 1 px gaps.
 * Pure (bytes in, RGBA out) so it is tested without a canvas; the data sets page draws it, and
 * `weightlapse data inspect --samples` writes it to a PNG.
 */
import type { DatasetSamples } from '../../../src-preload/api.ts';
import { UI_COLOURS, type Theme } from './palette.ts';

export interface SampleMosaic {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Top of each class row, in pixels. */
  rowTop: number[];
  /** How many images each class row holds. */
  rowCount: number[];
}

const GAP = 1;
/** The mosaic on the background of `theme` (the page's, or dark for a PNG). */
export function sampleMosaic(s: Pick<DatasetSamples, 'shape' | 'classes' | 'images' | 'labels'>, columns: number, theme: Theme = 'dark'): SampleMosaic {
  const background = [...UI_COLOURS[theme][0]!, 255];
  const [h, w, c] = s.shape;
  if (c !== 1 && c !== 3) throw new Error(`sample images have ${c} channels; only 1 (grey) or 3 (RGB) can be shown`);
  const size = h * w * c;
  if (s.images.length !== size * s.labels.length) {
    throw new Error(`datasets.samples: ${s.images.length} bytes for ${s.labels.length} images of ${s.shape.join('×')}`);
  }
  const classes = s.classes.length;
  const width = columns * (w + GAP) - GAP;
  const height = classes * (h + GAP) - GAP;
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set(background, i);
  const rowCount = new Array<number>(classes).fill(0);
  const rowTop = Array.from({ length: classes }, (_, k) => k * (h + GAP));
  s.labels.forEach((label, n) => {
    const col = rowCount[label]!;
    if (col >= columns) return;
    rowCount[label] = col + 1;
    const x0 = col * (w + GAP);
    const y0 = rowTop[label]!;
    const src = n * size;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = src + (y * w + x) * c;
        const o = ((y0 + y) * width + x0 + x) * 4;
        rgba[o] = s.images[p]!;
        rgba[o + 1] = s.images[p + (c === 3 ? 1 : 0)]!;
        rgba[o + 2] = s.images[p + (c === 3 ? 2 : 0)]!;
        rgba[o + 3] = 255;
      }
    }
  });
  return { width, height, rgba, rowTop, rowCount };
}
