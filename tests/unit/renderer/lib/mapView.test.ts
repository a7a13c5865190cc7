/** The data map's view arithmetic: zoom about a point, pan, the clamp, data ↔ pixels, the bitmap's move, ticks. */
import { describe, expect, it } from 'vitest';
import { MAP_PLOT as PLOT } from '../../../../src-renderer/src/lib/dataMap.ts';
import {
  area,
  bitmapTransform,
  clampView,
  fromX,
  fromY,
  FULL_VIEW,
  isFull,
  MAX_ZOOM,
  panBy,
  ticks,
  toX,
  toY,
  zoomAt,
  zoomOf,
} from '../../../../src-renderer/src/lib/mapView.ts';

const a = area(PLOT);

describe('the data map’s view', () => {
  it('maps the view’s window onto the plot area, and back', () => {
    const view = { v0: 0.1, v1: 0.2, c0: 0.5, c1: 0.7 };
    expect(toX(PLOT, 0.1, view)).toBe(a.x0);
    expect(toX(PLOT, 0.2, view)).toBeCloseTo(a.x1, 9);
    expect(toY(PLOT, 0.7, view)).toBe(a.y0);
    expect(toY(PLOT, 0.5, view)).toBeCloseTo(a.y1, 9);
    expect(fromX(PLOT, toX(PLOT, 0.137, view), view)).toBeCloseTo(0.137, 12);
    expect(fromY(PLOT, toY(PLOT, 0.61, view), view)).toBeCloseTo(0.61, 12);
  });

  it('zooms about a point: the data under it stays under it', () => {
    const [x, y] = [200, 150];
    const [v, c] = [fromX(PLOT, x), fromY(PLOT, y)];
    const view = zoomAt(FULL_VIEW, PLOT, x, y, 4);
    expect(zoomOf(view)).toBeCloseTo(4, 9);
    expect(view.c1 - view.c0).toBeCloseTo(0.25, 9);
    expect(toX(PLOT, v, view)).toBeCloseTo(x, 9);
    expect(toY(PLOT, c, view)).toBeCloseTo(y, 9);
    // Out again by the same factor: the full view.
    const back = zoomAt(view, PLOT, x, y, 1 / 4);
    for (const k of ['v0', 'v1', 'c0', 'c1'] as const) expect(back[k]).toBeCloseTo(FULL_VIEW[k], 9);
  });

  it('pans by pixels, and keeps the window inside the axes’ ranges', () => {
    const view = zoomAt(FULL_VIEW, PLOT, 200, 150, 2);
    const moved = panBy(view, PLOT, -30, 20);
    // What was at (200, 150) is now at (170, 170).
    expect(toX(PLOT, fromX(PLOT, 200, view), moved)).toBeCloseTo(170, 9);
    expect(toY(PLOT, fromY(PLOT, 150, view), moved)).toBeCloseTo(170, 9);
    // Far past the left edge: the window stops at variability 0, its width kept.
    const far = panBy(view, PLOT, 10_000, 0);
    expect(far.v0).toBe(0);
    expect(far.v1 - far.v0).toBeCloseTo(view.v1 - view.v0, 12);
    // The full view does not pan at all.
    expect(panBy(FULL_VIEW, PLOT, 50, -50)).toEqual(FULL_VIEW);
  });

  it('zooms no further out than the full map, no further in than MAX_ZOOM', () => {
    expect(isFull(zoomAt(FULL_VIEW, PLOT, 100, 100, 0.5))).toBe(true);
    let view = FULL_VIEW;
    for (let i = 0; i < 20; i++) view = zoomAt(view, PLOT, 300, 200, 3);
    expect(zoomOf(view)).toBeCloseTo(MAX_ZOOM, 9);
    expect((view.c1 - view.c0) * MAX_ZOOM).toBeCloseTo(1, 9);
    expect(clampView({ v0: -1, v1: 2, c0: 0.2, c1: 0.3 })).toEqual({ v0: 0, v1: 0.5, c0: 0.2, c1: 0.3 });
  });

  it('moves a bitmap drawn in one view to where another view puts the same data', () => {
    const from = zoomAt(FULL_VIEW, PLOT, 200, 150, 2);
    const to = panBy(zoomAt(from, PLOT, 300, 100, 1.7), PLOT, 12, -8);
    const t = bitmapTransform(PLOT, from, to);
    for (const [v, c] of [[0.1, 0.4], [0.2, 0.9]] as const) {
      expect(toX(PLOT, v, from) * t.sx + t.dx).toBeCloseTo(toX(PLOT, v, to), 9);
      expect(toY(PLOT, c, from) * t.sy + t.dy).toBeCloseTo(toY(PLOT, c, to), 9);
    }
    expect(bitmapTransform(PLOT, from, from)).toEqual({ sx: 1, sy: 1, dx: 0, dy: 0 });
  });

  it('puts ticks at round values inside the window', () => {
    expect(ticks(0, 0.5, 5)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(ticks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(ticks(0.113, 0.187, 5)).toEqual([0.12, 0.14, 0.16, 0.18]);
  });
});
