/**
 * The data map's view: which window of (variability, confidence) the plot shows, and the pure arithmetic of
 * zooming about a point, panning, keeping the window inside the axes' ranges, and data ↔ CSS pixels.
 * The whole map is the full view; zooming in narrows the window, up to MAX_ZOOM.
 */

/** The axes' ranges: p(true) is in [0, 1], so its standard deviation is at most 0.5. */
export const CONFIDENCE_MAX = 1;
export const VARIABILITY_MAX = 0.5;

export interface Plot {
  width: number;
  height: number;
  /** Margin left for the y axis and below for the x axis. */
  left: number;
  bottom: number;
}

/** The window shown: variability from v0 to v1 (left to right), confidence from c0 to c1 (bottom to top). */
export interface View {
  v0: number;
  v1: number;
  c0: number;
  c1: number;
}

export const FULL_VIEW: View = { v0: 0, v1: VARIABILITY_MAX, c0: 0, c1: CONFIDENCE_MAX };
/** How far in one may zoom: a window of 1/64 of each axis still holds a few points of a dense cloud. */
export const MAX_ZOOM = 64;

/** Room to the right for the last tick's label, and above for the top one's. */
const RIGHT = 16;
const TOP = 4;

/** The plot area's edges in CSS pixels: where the view's window is drawn. */
export const area = (plot: Plot) => ({ x0: plot.left, x1: plot.width - RIGHT, y0: TOP, y1: plot.height - plot.bottom });

export const toX = (plot: Plot, variability: number, view: View = FULL_VIEW) => {
  const { x0, x1 } = area(plot);
  return x0 + ((variability - view.v0) / (view.v1 - view.v0)) * (x1 - x0);
};
export const toY = (plot: Plot, confidence: number, view: View = FULL_VIEW) => {
  const { y0, y1 } = area(plot);
  return y0 + ((view.c1 - confidence) / (view.c1 - view.c0)) * (y1 - y0);
};
export const fromX = (plot: Plot, x: number, view: View = FULL_VIEW) => {
  const { x0, x1 } = area(plot);
  return view.v0 + ((x - x0) / (x1 - x0)) * (view.v1 - view.v0);
};
export const fromY = (plot: Plot, y: number, view: View = FULL_VIEW) => {
  const { y0, y1 } = area(plot);
  return view.c1 - ((y - y0) / (y1 - y0)) * (view.c1 - view.c0);
};

/** The view as wide as the axes allow at most, as narrow as MAX_ZOOM at least, and inside the axes' ranges. */
export function clampView(view: View): View {
  const fit = (lo: number, hi: number, max: number): [number, number] => {
    const span = Math.min(max, Math.max(max / MAX_ZOOM, hi - lo));
    const mid = (lo + hi) / 2;
    const start = Math.min(max - span, Math.max(0, mid - span / 2));
    return [start, start + span];
  };
  const [v0, v1] = fit(view.v0, view.v1, VARIABILITY_MAX);
  const [c0, c1] = fit(view.c0, view.c1, CONFIDENCE_MAX);
  return { v0, v1, c0, c1 };
}

/**
 * Zoomed by `factor` (> 1 in) about the CSS pixel (x, y): the data under it stays under it, unless the
 * clamp has to move the window back inside the axes.
 */
export function zoomAt(view: View, plot: Plot, x: number, y: number, factor: number): View {
  const [v, c] = [fromX(plot, x, view), fromY(plot, y, view)];
  // Both axes by the same factor, as far as the clamp lets the narrower one go.
  const f = Math.min(Math.max(factor, 1 / zoomOf(view)), MAX_ZOOM / zoomOf(view));
  return clampView({ v0: v - (v - view.v0) / f, v1: v + (view.v1 - v) / f, c0: c - (c - view.c0) / f, c1: c + (view.c1 - c) / f });
}

/** Moved so that what was at pixel (x, y) is at (x + dx, y + dy). */
export function panBy(view: View, plot: Plot, dx: number, dy: number): View {
  const dv = fromX(plot, 0, view) - fromX(plot, dx, view);
  const dc = fromY(plot, 0, view) - fromY(plot, dy, view);
  return clampView({ v0: view.v0 + dv, v1: view.v1 + dv, c0: view.c0 + dc, c1: view.c1 + dc });
}

/** How many times the view magnifies the full map (along the variability axis; both move together). */
export const zoomOf = (view: View) => VARIABILITY_MAX / (view.v1 - view.v0);
export const isFull = (view: View) => view.v0 === 0 && view.v1 === VARIABILITY_MAX && view.c0 === 0 && view.c1 === CONFIDENCE_MAX;

/**
 * Where a bitmap drawn in view `from` lands in view `to`: CSS pixel p of the bitmap goes to p·scale + offset,
 * per axis, so that a pan or zoom can move the last drawing instead of drawing every point again.
 */
export function bitmapTransform(plot: Plot, from: View, to: View): { sx: number; sy: number; dx: number; dy: number } {
  const sx = (toX(plot, 1, to) - toX(plot, 0, to)) / (toX(plot, 1, from) - toX(plot, 0, from));
  const sy = (toY(plot, 1, to) - toY(plot, 0, to)) / (toY(plot, 1, from) - toY(plot, 0, from));
  return { sx, sy, dx: toX(plot, 0, to) - sx * toX(plot, 0, from), dy: toY(plot, 0, to) - sy * toY(plot, 0, from) };
}

/** Round tick values from lo to hi, about `count` of them, at 1, 2 or 5 × a power of ten. */
export function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const out: number[] = [];
  // Rounded to the step's digits, so that 0.30000000000000004 prints as 0.3.
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) out.push(Number((k * step).toFixed(digits)));
  return out;
}
