/**
 * The data map (Swayamdipta et al. 2020, "Dataset Cartography"): every training image at (variability,
 * confidence), coloured by correctness, drawn into the pixels of a 2D canvas. Not WebGL: the scatter
 * libraries made for it (regl-scatterplot) build their draw calls with `new Function`, which the page's
 * policy (script-src 'self', no 'unsafe-eval') refuses; writing 60,000 points' pixels into one ImageData
 * takes a few milliseconds and draws the same with or without a GPU.
 */
import { interpolateViridis } from 'd3-scale-chromatic';
import { FULL_VIEW, toX, toY, type Plot, type View } from './mapView.ts';

export interface MapPoints {
  /** Indices into the training split of the points drawn (those in the view), and their CSS pixel positions. */
  indices: Int32Array;
  x: Float32Array;
  y: Float32Array;
  /** How many images the map has, in the view or not. */
  total: number;
}

/** The run page's map. */
export const MAP_PLOT: Plot = { width: 520, height: 380, left: 40, bottom: 30 };

/** The images that pass `keep` and were presented, placed on the plot; those outside `view` left out. */
export function placePoints(
  plot: Plot,
  table: { confidence: Float32Array; variability: Float32Array; presented: Int32Array },
  keep: (index: number) => boolean,
  view: View = FULL_VIEW,
): MapPoints {
  const n = table.presented.length;
  const { v0, v1, c0, c1 } = view;
  const [indices, x, y] = [new Int32Array(n), new Float32Array(n), new Float32Array(n)];
  let [count, total] = [0, 0];
  for (let i = 0; i < n; i++) {
    if (!(table.presented[i]! > 0 && keep(i))) continue;
    total++;
    const [v, c] = [table.variability[i]!, table.confidence[i]!];
    if (v < v0 || v > v1 || c < c0 || c > c1) continue;
    indices[count] = i;
    x[count] = toX(plot, v, view);
    y[count++] = toY(plot, c, view);
  }
  return { indices: indices.slice(0, count), x: x.slice(0, count), y: y.slice(0, count), total };
}

/** Correctness → colour, in 11 steps (0, 0.1, … 1: a ten-epoch run's possible values), as RGB bytes. */
export const CORRECTNESS_STEPS = 11;
/**
 * Viridis (perceptually even, colour-blind safe), cut where it would vanish into the theme's panel: its
 * near-black end on the dark theme, its pale yellow end on the light one. d3 gives "#rrggbb".
 */
const VIRIDIS_RANGE = { dark: [0.22, 1], light: [0, 0.82] } as const;
const STEPS_RGB = Object.fromEntries(
  Object.entries(VIRIDIS_RANGE).map(([theme, [from, to]]) => [
    theme,
    Array.from({ length: CORRECTNESS_STEPS }, (_, k) => {
      const hex = interpolateViridis(from + ((to - from) * k) / (CORRECTNESS_STEPS - 1));
      return [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)) as unknown as readonly [number, number, number];
    }),
  ]),
) as Record<MapTheme, (readonly [number, number, number])[]>;
export type MapTheme = keyof typeof VIRIDIS_RANGE;
export const correctnessColour = (c: number, theme: MapTheme): readonly [number, number, number] => STEPS_RGB[theme][Math.round(c * (CORRECTNESS_STEPS - 1))]!;
/** The legend's CSS gradient. */
export const correctnessGradient = (theme: MapTheme) => `linear-gradient(to right, ${STEPS_RGB[theme].map(([r, g, b]) => `rgb(${r} ${g} ${b})`).join(', ')})`;

/**
 * Writes the points into `image` (device pixels, `scale` per CSS pixel) as small squares, a selected one
 * larger and outlined in `mark`; `correctness` by training index.
 */
export function rasterise(
  image: ImageData,
  scale: number,
  points: MapPoints,
  correctness: Float32Array,
  selected: ReadonlySet<number>,
  mark: readonly [number, number, number],
  theme: MapTheme,
): void {
  const { width, height } = image;
  // One 32-bit write per pixel (RGBA bytes in memory order: little-endian, so alpha is the high byte).
  const pixels = new Uint32Array(image.data.buffer, image.data.byteOffset, width * height);
  const packed = ([r, g, b]: readonly [number, number, number]) => ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  const steps = STEPS_RGB[theme].map(packed);
  const colourOf = (i: number) => steps[Math.round(correctness[i]! * (CORRECTNESS_STEPS - 1))]!;
  const put = (px: number, py: number, size: number, colour: number) => {
    const x0 = Math.max(0, Math.round(px * scale - size / 2));
    const y0 = Math.max(0, Math.round(py * scale - size / 2));
    const [x1, y1] = [Math.min(width, x0 + size), Math.min(height, y0 + size)];
    for (let y = y0; y < y1; y++) pixels.fill(colour, y * width + x0, y * width + x1);
  };
  const dot = Math.max(2, Math.round(2 * scale));
  for (let k = 0; k < points.indices.length; k++) put(points.x[k]!, points.y[k]!, dot, colourOf(points.indices[k]!));
  // The selection on top, so that it shows through a dense cloud.
  if (selected.size === 0) return;
  const ring = packed(mark);
  for (let k = 0; k < points.indices.length; k++) {
    const i = points.indices[k]!;
    if (!selected.has(i)) continue;
    put(points.x[k]!, points.y[k]!, dot + 4, ring);
    put(points.x[k]!, points.y[k]!, dot, colourOf(i));
  }
}

/** The point nearest (x, y) within `radius` CSS pixels, as a training index; -1 if none. */
export function nearestPoint(points: MapPoints, x: number, y: number, radius: number): number {
  let best = -1;
  let bestD = radius * radius;
  for (let k = 0; k < points.indices.length; k++) {
    const d = (points.x[k]! - x) ** 2 + (points.y[k]! - y) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = points.indices[k]!;
    }
  }
  return best;
}

/** The training indices of the points inside a closed polygon (even–odd rule), in map order. */
export function pointsInside(points: MapPoints, polygon: readonly { x: number; y: number }[]): number[] {
  const inside: number[] = [];
  if (polygon.length < 3) return inside;
  for (let k = 0; k < points.indices.length; k++) {
    const px = points.x[k]!;
    const py = points.y[k]!;
    let odd = false;
    for (let a = 0, b = polygon.length - 1; a < polygon.length; b = a++) {
      const [pa, pb] = [polygon[a]!, polygon[b]!];
      if (pa.y > py !== pb.y > py && px < ((pb.x - pa.x) * (py - pa.y)) / (pb.y - pa.y) + pa.x) odd = !odd;
    }
    if (odd) inside.push(points.indices[k]!);
  }
  return inside;
}

/** The galleries: the most forgotten, never learned (least confident first), learned last; `limit` each, among `keep`. */
export function galleries(
  table: { forgetting: Int32Array; correctness: Float32Array; confidence: Float32Array; learnedFrom: Int32Array; presented: Int32Array },
  keep: (index: number) => boolean,
  limit: number,
): { forgotten: number[]; neverLearned: number[]; learnedLast: number[] } {
  const all: number[] = [];
  for (let i = 0; i < table.presented.length; i++) if (table.presented[i]! > 0 && keep(i)) all.push(i);
  const top = (pick: (i: number) => boolean, order: (a: number, b: number) => number) => all.filter(pick).sort((a, b) => order(a, b) || a - b).slice(0, limit);
  return {
    forgotten: top((i) => table.forgetting[i]! > 0, (a, b) => table.forgetting[b]! - table.forgetting[a]!),
    neverLearned: top((i) => table.correctness[i] === 0, (a, b) => table.confidence[a]! - table.confidence[b]!),
    learnedLast: top((i) => table.learnedFrom[i]! > 1, (a, b) => table.learnedFrom[b]! - table.learnedFrom[a]!),
  };
}
