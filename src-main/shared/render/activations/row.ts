/**
 * One pinned input at one snapshot as an indexed picture, drawn the same way on screen and in a GIF:
 *
 *   [input] [conv1: 20 maps] [pool1: 20 maps] [conv2: 50 maps] [probabilities: one bar per class]
 *
 * Maps are tiled in rows of ten, on the layer's scale fixed over the run (magma for values, a
 * diverging map for differences). The predicted class's bar is green when right and red when wrong;
 * a tick under a bar marks the true class. Chosen channels are outlined (a conv1 filter's map and the
 * pool1 map made from it). A GIF adds titles above the parts and a legend under each layer.
 *
 * Laid out at one cell per value; zooming is a nearest-neighbour upscale, so hit-testing is a division.
 */
import { MAP_LAYERS, type MapLayer } from '../../../../src-preload/api.ts';
import { GLYPH_H, drawText, textWidth } from '../font.ts';
import { formatValue } from '../frame.ts';
import { BACKGROUND, MUTED, OUTLINE, TEXT } from '../palette.ts';
import { upscale, type Picture } from '../render.ts';
import { activationPalette, drawMapLevels, imageLevel, MAP_LEVELS, RIGHT, WRONG, type InputKind, type MapMode } from './palette.ts';

/** What a row shows: the input's shape, each map layer's [height, width, channels], the class count. */
export interface RowShape {
  input: readonly [number, number, number];
  maps: Record<MapLayer, readonly [number, number, number]>;
  classes: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface RowLayout {
  shape: RowShape;
  width: number;
  height: number;
  titles: boolean;
  legends: boolean;
  input: Rect;
  /** Per layer, each channel's rectangle. */
  maps: Record<MapLayer, Rect[]>;
  /** Per layer, the pixel (y · width + x) of each value of an input's HWC maps. */
  pixelOf: Record<MapLayer, Int32Array>;
  /** Per class, its bar's full-height rectangle. */
  bars: Rect[];
}

const COLUMNS = 10;
const GAP = 5;
const BAR_HEIGHT = 40;
const TITLE_HEIGHT = GLYPH_H + 3;
const LEGEND_HEIGHT = 4 + 2 + GLYPH_H;

export function rowLayout(shape: RowShape, options: { titles?: boolean; legends?: boolean } = {}): RowLayout {
  const titles = options.titles ?? false;
  const legends = options.legends ?? false;
  const top = 1 + (titles ? TITLE_HEIGHT : 0);
  let x = 1;
  const input = { x, y: top, w: shape.input[1], h: shape.input[0] };
  x += input.w + GAP;
  let bottom = top + input.h;
  const maps = {} as Record<MapLayer, Rect[]>;
  for (const layer of MAP_LAYERS) {
    const [h, w, channels] = shape.maps[layer];
    const columns = Math.min(COLUMNS, channels);
    maps[layer] = Array.from({ length: channels }, (_, c) => ({ x: x + (c % columns) * (w + 1), y: top + Math.floor(c / columns) * (h + 1), w, h }));
    const rows = Math.ceil(channels / columns);
    bottom = Math.max(bottom, top + rows * (h + 1) - 1);
    x += columns * (w + 1) - 1 + GAP;
  }
  const barW = shape.classes <= 20 ? 3 : 1;
  const bars = Array.from({ length: shape.classes }, (_, k) => ({ x: x + k * (barW + 1), y: top, w: barW, h: BAR_HEIGHT }));
  x += shape.classes * (barW + 1) - 1;
  // Room under the bars for the true class's tick.
  bottom = Math.max(bottom, top + BAR_HEIGHT + 3);
  const width = Math.max(x + 1, titles ? textWidth('probabilities') + bars[0]!.x + 1 : 0);
  const pixelOf = Object.fromEntries(MAP_LAYERS.map((layer) => [layer, pixelsOf(shape.maps[layer], maps[layer], width)])) as RowLayout['pixelOf'];
  return { shape, width, height: bottom + 1 + (legends ? LEGEND_HEIGHT : 0), titles, legends, input, maps, bars, pixelOf };
}

/** Where each value of an HWC map volume goes: channel c's map in its rectangle. */
function pixelsOf([h, w, channels]: readonly [number, number, number], rects: Rect[], width: number): Int32Array {
  const at = new Int32Array(h * w * channels);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++, i++) at[i] = (rects[c]!.y + y) * width + rects[c]!.x + x;
    }
  }
  return at;
}

export interface RowData {
  /** HWC bytes of the input image. */
  image: Uint8Array;
  label: number;
  /** This input's maps per layer, HWC (values, or differences in 'diff' mode). */
  maps: Record<MapLayer, Float32Array>;
  /** This input's class probabilities. */
  probabilities: Float32Array;
}

export interface RowOptions {
  mode: MapMode;
  /** Per layer, the fixed scale: the largest |value| over the run. */
  scale: Record<MapLayer, number>;
  zoom?: number;
  /** Channels to outline, per layer. */
  outline?: Partial<Record<MapLayer, readonly number[]>>;
}

export interface RenderedRow extends Picture {
  layout: RowLayout;
  zoom: number;
}

export function renderRow(layout: RowLayout, data: RowData, options: RowOptions): RenderedRow {
  const { shape, width, height } = layout;
  const input: InputKind = shape.input[2] === 3 ? 'rgb' : 'grey';
  const img = new Uint8Array(width * height).fill(BACKGROUND);
  const [ih, iw, ic] = shape.input;
  for (let y = 0; y < ih; y++) {
    for (let x = 0; x < iw; x++) img[(layout.input.y + y) * width + layout.input.x + x] = imageLevel(data.image, (y * iw + x) * ic, input);
  }
  for (const layer of MAP_LAYERS) {
    const values = data.maps[layer];
    if (values.length !== layout.pixelOf[layer].length) throw new Error(`${layer}: ${values.length} values for a ${shape.maps[layer].join('×')} map`);
    drawMapLevels(img, layout.pixelOf[layer], values, options.scale[layer], options.mode);
  }
  drawBars(img, layout, data);
  if (layout.titles) drawTitles(img, layout);
  if (layout.legends) drawLegends(img, layout, options);

  const zoom = options.zoom ?? 1;
  const indices = upscale(img, width, height, zoom);
  for (const layer of MAP_LAYERS) {
    for (const c of options.outline?.[layer] ?? []) {
      const r = layout.maps[layer][c];
      if (r) outline(indices, width * zoom, r, zoom);
    }
  }
  return { width: width * zoom, height: height * zoom, indices, palette: activationPalette(options.mode, input), layout, zoom };
}

/** The index of the largest probability. */
export function predictedClass(probabilities: Float32Array): number {
  let best = 0;
  for (let k = 1; k < probabilities.length; k++) if (probabilities[k]! > probabilities[best]!) best = k;
  return best;
}

function drawBars(img: Uint8Array, layout: RowLayout, data: RowData): void {
  const { width, bars } = layout;
  const predicted = predictedClass(data.probabilities);
  bars.forEach((bar, k) => {
    const filled = Math.round(Math.min(1, Math.max(0, data.probabilities[k]!)) * bar.h);
    const colour = k !== predicted ? MUTED : predicted === data.label ? RIGHT : WRONG;
    for (let y = bar.y + bar.h - filled; y < bar.y + bar.h; y++) img.fill(colour, y * width + bar.x, y * width + bar.x + bar.w);
    // The baseline, so an empty bar still shows where its class is.
    img.fill(MUTED, (bar.y + bar.h) * width + bar.x, (bar.y + bar.h) * width + bar.x + bar.w);
    if (k === data.label) img.fill(TEXT, (bar.y + bar.h + 2) * width + bar.x, (bar.y + bar.h + 2) * width + bar.x + bar.w);
  });
}

function drawTitles(img: Uint8Array, layout: RowLayout): void {
  const y = 1;
  drawText(img, layout.width, layout.input.x, y, 'input', MUTED);
  for (const layer of MAP_LAYERS) drawText(img, layout.width, layout.maps[layer][0]!.x, y, layer, MUTED);
  drawText(img, layout.width, layout.bars[0]!.x, y, 'probabilities', MUTED);
}

/** Under each layer's maps: its colour bar, from 0 (or −max) to +max. */
function drawLegends(img: Uint8Array, layout: RowLayout, options: RowOptions): void {
  const { width } = layout;
  const y = layout.height - LEGEND_HEIGHT;
  for (const layer of MAP_LAYERS) {
    const rects = layout.maps[layer];
    const x0 = rects[0]!.x;
    const x1 = Math.max(...rects.map((r) => r.x + r.w));
    for (let x = x0; x < x1; x++) {
      const level = Math.round(((x - x0) / Math.max(1, x1 - x0 - 1)) * (MAP_LEVELS - 1));
      for (let r = 0; r < 4; r++) img[(y + r) * width + x] = level;
    }
    const max = options.scale[layer];
    const lo = options.mode === 'values' ? '0' : formatValue(-max);
    const hi = formatValue(max);
    drawText(img, width, x0, y + 6, lo, TEXT);
    drawText(img, width, x1 - textWidth(hi), y + 6, hi, TEXT);
    if (options.mode === 'diff') drawText(img, width, Math.round((x0 + x1 - textWidth('0')) / 2), y + 6, '0', TEXT);
  }
}

/** A frame around a map, in the gap around it, never over a value. */
function outline(img: Uint8Array, width: number, r: Rect, zoom: number): void {
  const t = Math.max(1, Math.floor(zoom / 2));
  const x0 = r.x * zoom - t;
  const y0 = r.y * zoom - t;
  const x1 = (r.x + r.w) * zoom + t;
  const y1 = (r.y + r.h) * zoom + t;
  for (let y = y0; y < y1; y++) {
    if (y >= y0 + t && y < y1 - t) {
      img.fill(OUTLINE, y * width + x0, y * width + x0 + t);
      img.fill(OUTLINE, y * width + x1 - t, y * width + x1);
    } else img.fill(OUTLINE, y * width + x0, y * width + x1);
  }
}

/** What is under pixel (x, y) of a row drawn at `zoom`: a map's channel and position, a class's bar, or the input. */
export type RowHit =
  | { kind: 'map'; layer: MapLayer; channel: number; row: number; col: number }
  | { kind: 'class'; class: number }
  | { kind: 'input'; row: number; col: number };

export function hitRow(layout: RowLayout, zoom: number, px: number, py: number): RowHit | null {
  const x = Math.floor(px / zoom);
  const y = Math.floor(py / zoom);
  const inside = (r: Rect, extra = 0) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h + extra;
  if (inside(layout.input)) return { kind: 'input', row: y - layout.input.y, col: x - layout.input.x };
  for (const layer of MAP_LAYERS) {
    const channel = layout.maps[layer].findIndex((r) => inside(r));
    if (channel >= 0) {
      const r = layout.maps[layer][channel]!;
      return { kind: 'map', layer, channel, row: y - r.y, col: x - r.x };
    }
  }
  const bar = layout.bars.findIndex((r) => inside(r, 3));
  return bar >= 0 ? { kind: 'class', class: bar } : null;
}
