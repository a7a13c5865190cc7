/**
 * Decoded pixels to the network's input: the centred square (`crop`) or the whole image (`squash`),
 * resampled to side × side, as grey or RGB.
 *
 * The filter, per axis: exact area averaging when shrinking (each output pixel is the mean of the source
 * area it covers, partly covered pixels weighted by the part; PIL's BOX gives the same only at integer
 * ratios, its kernel weighs partly covered pixels otherwise), and bilinear interpolation when enlarging. Grey from colour is ITU-R 601 luma with PIL's integer
 * weights, as torchvision's `Grayscale` computes it; colour from grey repeats the grey.
 */
import { luma, type Pixels } from './decode.ts';

export const RESIZE_FILTER = 'exact area averaging when shrinking, bilinear when enlarging';

export interface Target {
  side: number;
  channels: 1 | 3;
  fit: 'crop' | 'squash';
}

export function resizeImage(image: Pixels, target: Target): Uint8Array {
  const source = target.channels === 1 && image.channels === 3 ? toGrey(image) : image;
  const { width, height } = source;
  const square = Math.min(width, height);
  const [x0, y0, w, h] =
    target.fit === 'crop' ? [(width - square) >> 1, (height - square) >> 1, square, square] : [0, 0, width, height];
  const resized = resample(source, x0, y0, w, h, target.side);
  return target.channels === 3 && source.channels === 1 ? toRgb(resized) : resized;
}

function toGrey(image: Pixels): Pixels {
  const n = image.width * image.height;
  const grey = new Uint8Array(n);
  const d = image.data;
  for (let p = 0; p < n; p++) grey[p] = luma(d[p * 3]!, d[p * 3 + 1]!, d[p * 3 + 2]!);
  return { width: image.width, height: image.height, channels: 1, data: grey };
}

function toRgb(grey: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(grey.length * 3);
  for (let p = 0; p < grey.length; p++) rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = grey[p]!;
  return rgb;
}

/** For each output pixel of one axis: the first source pixel it reads, how many it reads, and their weights. */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  /** `size` slots per output pixel, the first `count` used. */
  weights: Float32Array;
  size: number;
}

/** Taps mapping source pixels [start, start + length) onto `out` pixels. */
export function taps(start: number, length: number, out: number): Taps {
  const scale = length / out;
  const last = start + length - 1;
  // Area: output i covers [i·scale, (i+1)·scale) of the source, at most ceil(scale) + 1 pixels.
  // Bilinear: output i samples the source at its centre, between the two nearest pixel centres.
  const size = scale >= 1 ? Math.ceil(scale) + 1 : 2;
  const t: Taps = { first: new Int32Array(out), count: new Int32Array(out), weights: new Float32Array(out * size), size };
  for (let i = 0; i < out; i++) {
    if (scale >= 1) {
      const lo = start + i * scale;
      const hi = lo + scale;
      let k = 0;
      t.first[i] = Math.floor(lo);
      for (let j = t.first[i]!; j < hi && j <= last; j++) {
        const w = (Math.min(hi, j + 1) - Math.max(lo, j)) / scale;
        if (w > 1e-9) t.weights[i * size + k++] = w;
        else if (k === 0) t.first[i] = j + 1;
      }
      t.count[i] = k;
    } else {
      const x = Math.min(Math.max(start + (i + 0.5) * scale - 0.5, start), last);
      const j = Math.max(start, Math.min(Math.floor(x), last - 1));
      const f = x - j;
      t.first[i] = j;
      t.weights[i * 2] = 1 - f;
      t.weights[i * 2 + 1] = f;
      t.count[i] = j + 1 <= last ? 2 : 1;
    }
  }
  return t;
}

/** Separable resampling of the rectangle (x0, y0, w, h) to side × side: rows first, then columns. */
function resample(image: Pixels, x0: number, y0: number, w: number, h: number, side: number): Uint8Array {
  const { width, channels: c, data } = image;
  if (w === side && h === side && x0 === 0 && y0 === 0 && width === side) return data.slice(0, side * side * c);
  const tx = taps(x0, w, side);
  const ty = taps(y0, h, side);
  // Rows y0 … y0+h-1, each resampled to `side` columns.
  const rows = new Float32Array(h * side * c);
  for (let y = 0; y < h; y++) {
    const src = (y0 + y) * width;
    for (let i = 0; i < side; i++) {
      const first = (src + tx.first[i]!) * c;
      const at = i * tx.size;
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let k = 0; k < tx.count[i]!; k++) sum += tx.weights[at + k]! * data[first + k * c + ch]!;
        rows[(y * side + i) * c + ch] = sum;
      }
    }
  }
  const out = new Uint8Array(side * side * c);
  const stride = side * c;
  for (let j = 0; j < side; j++) {
    const first = (ty.first[j]! - y0) * stride;
    const at = j * ty.size;
    for (let i = 0; i < stride; i++) {
      let sum = 0;
      for (let k = 0; k < ty.count[j]!; k++) sum += ty.weights[at + k]! * rows[first + k * stride + i]!;
      out[j * stride + i] = Math.min(255, Math.round(sum));
    }
  }
  return out;
}
