/**
 * Tensor → pixels. Everything is drawn first as an *indexed* picture (one palette index per pixel);
 * the canvas gets its RGBA by looking the indices up in the palette, and the GIF encoder writes the
 * indices with the palette as its colour table. Both come from the same indices, so an exported frame
 * equals what was on screen, pixel for pixel.
 */
import { defaultLayout, layoutFor, type Layout, type LayoutKind } from './layout.ts';
import {
  BACKGROUND,
  CUBE,
  OUTLINE,
  ZERO,
  cubeBin,
  levelAt,
  indicesToRgba,
  palette,
  type ColormapName,
  type Palette,
} from './palette.ts';
import { maxFor, type Scale } from './scale.ts';

/** An indexed picture: what both the canvas and the GIF are made from. */
export interface Picture {
  width: number;
  height: number;
  /** One palette index per pixel, row by row. */
  indices: Uint8Array;
  palette: Palette;
}

export interface RenderOptions {
  colormap: ColormapName;
  /** The fixed scale of the animation (of the differences, in diff mode). */
  scale: Scale;
  /** Default: the layer's usual picture (`defaultLayout`). */
  layout?: LayoutKind;
  /** Tiles per row, for tiled layouts. */
  columns?: number;
  /** Draw data − diffRef instead of data (same shape). */
  diffRef?: Float32Array;
  /** Integer nearest-neighbour zoom, ≥ 1. */
  zoom?: number;
  /** Filters to outline (e.g. those that changed most). */
  outline?: readonly number[];
}

export interface RenderedTensor extends Picture {
  layout: Layout;
  zoom: number;
}

export interface RenderedRgba extends RenderedTensor {
  /** Ready for `new ImageData(rgba, width, height)`. */
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

/** The indexed picture of one tensor (the GIF path; `renderTensor` adds RGBA for a canvas). */
export function renderIndices(
  data: Float32Array,
  shape: readonly number[],
  layer: string,
  options: RenderOptions,
): RenderedTensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`${layer}: ${data.length} values for shape [${shape.join(', ')}] (${size})`);
  if (options.diffRef && options.diffRef.length !== size) {
    throw new Error(`${layer}: diff reference has ${options.diffRef.length} values, expected ${size}`);
  }
  const zoom = options.zoom ?? 1;
  if (!Number.isInteger(zoom) || zoom < 1 || zoom > 64) throw new Error(`zoom must be an integer from 1 to 64, got ${zoom}`);
  const layout = layoutFor(shape, options.layout ?? defaultLayout(layer, shape), { columns: options.columns });
  const pal = palette(layout.composite ? 'rgb' : options.colormap);

  const base = new Uint8Array(layout.width * layout.height).fill(BACKGROUND);
  const values = options.diffRef ? subtractInto(data, options.diffRef) : data;
  if (layout.composite) drawComposite(base, layout, values, options.scale);
  else drawLevels(base, layout, values, options.scale);

  const indices = upscale(base, layout.width, layout.height, zoom);
  const width = layout.width * zoom;
  for (const f of options.outline ?? []) outlineFilter(indices, width, layout, zoom, f);
  return { width, height: layout.height * zoom, indices, palette: pal, layout, zoom };
}

/**
 * The picture of one tensor with its RGBA, for a canvas. Pass `into` (e.g. a kept ImageData's `data`
 * of the right size) to reuse it: allocating 1 MB per frame costs more than drawing it.
 */
export function renderTensor(
  data: Float32Array,
  shape: readonly number[],
  layer: string,
  options: RenderOptions,
  into?: Uint8ClampedArray<ArrayBuffer>,
): RenderedRgba {
  const picture = renderIndices(data, shape, layer, options);
  return { ...picture, rgba: toRgba(picture, into) };
}

/** RGBA of an indexed picture (into `into` when it has the right size). */
export function toRgba(p: Picture, into?: Uint8ClampedArray<ArrayBuffer>): Uint8ClampedArray<ArrayBuffer> {
  const size = p.width * p.height * 4;
  return indicesToRgba(p.indices, p.palette, into && into.length === size ? into : new Uint8ClampedArray(size));
}

function subtractInto(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

function drawLevels(img: Uint8Array, layout: Layout, values: Float32Array, scale: Scale): void {
  const pixelOf = layout.pixelOf;
  if (scale.mode === 'layer') {
    // One gain for every weight (the usual case): the loop fc1's 400,000 weights take each frame.
    const gain = scale.max > 0 ? ZERO / scale.max : 0;
    for (let i = 0; i < values.length; i++) img[pixelOf[i]!] = levelAt(values[i]!, gain);
    return;
  }
  const filters = layout.shape.at(-1)!;
  // ZERO / max per filter; 0 draws everything at zero.
  const gain = new Float64Array(filters);
  for (let f = 0; f < filters; f++) {
    const m = maxFor(scale, f);
    gain[f] = m > 0 ? ZERO / m : 0;
  }
  for (let i = 0, f = 0; i < values.length; i++, f = f + 1 === filters ? 0 : f + 1) {
    img[pixelOf[i]!] = levelAt(values[i]!, gain[f]!);
  }
}

/** RGB composite: each channel on the symmetric scale, binned to the palette's colour cube. */
function drawComposite(img: Uint8Array, layout: Layout, values: Float32Array, scale: Scale): void {
  const outC = layout.shape[3]!;
  const weight = [CUBE * CUBE, CUBE, 1];
  for (let i = 0; i < values.length; i++) img[layout.pixelOf[i]!] = 0;
  for (let i = 0; i < values.length; i++) {
    const f = i % outC;
    const c = Math.floor(i / outC) % 3;
    img[layout.pixelOf[i]!]! += cubeBin(values[i]!, maxFor(scale, f)) * weight[c]!;
  }
}

/** Nearest-neighbour integer upscale of an indexed picture. */
export function upscale(src: Uint8Array, w: number, h: number, zoom: number): Uint8Array {
  if (zoom === 1) return src;
  const W = w * zoom;
  const out = new Uint8Array(W * h * zoom);
  for (let y = 0; y < h; y++) {
    const row = y * zoom * W;
    for (let x = 0, o = row; x < w; x++) {
      const v = src[y * w + x]!;
      for (let k = 0; k < zoom; k++) out[o++] = v;
    }
    for (let r = 1; r < zoom; r++) out.copyWithin(row + r * W, row, row + W);
  }
  return out;
}

/**
 * A frame around filter f, inside the gap that surrounds it (half the gap wide), never over a weight.
 * A matrix has no gaps between its rows, so its filters are not outlined.
 */
function outlineFilter(img: Uint8Array, width: number, layout: Layout, zoom: number, f: number): void {
  if (layout.kind === 'matrix' || !Number.isInteger(f) || f < 0 || f * 4 >= layout.filterRects.length) return;
  const r = layout.filterRects;
  const t = Math.max(1, Math.floor(zoom / 2));
  const x0 = r[f * 4]! * zoom - t;
  const y0 = r[f * 4 + 1]! * zoom - t;
  const x1 = (r[f * 4]! + r[f * 4 + 2]!) * zoom + t; // exclusive
  const y1 = (r[f * 4 + 1]! + r[f * 4 + 3]!) * zoom + t;
  for (let y = y0; y < y1; y++) {
    const inner = y >= y0 + t && y < y1 - t;
    if (inner) {
      img.fill(OUTLINE, y * width + x0, y * width + x0 + t);
      img.fill(OUTLINE, y * width + x1 - t, y * width + x1);
    } else {
      img.fill(OUTLINE, y * width + x0, y * width + x1);
    }
  }
}
