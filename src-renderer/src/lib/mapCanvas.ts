/**
 * The data map's canvas: the points' last drawing (a bitmap made in one view) moved into the view shown,
 * clipped to the plot area, and the axes with ticks of the view shown. Cheap enough for every animation
 * frame of a pan or a zoom: one drawImage and a few lines of text, whatever the number of points.
 */
import { area, bitmapTransform, ticks, toX, toY, type Plot, type View } from './mapView.ts';

/** Room around the plot area for the dots at its edge (they are a few pixels wide). */
const EDGE = 3;

export function paintMap(
  ctx: CanvasRenderingContext2D,
  scale: number,
  plot: Plot,
  points: { bitmap: CanvasImageSource; view: View },
  view: View,
  muted: string,
): void {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(scale, 0, 0, scale, 0, 0);
  const a = area(plot);
  ctx.save();
  ctx.beginPath();
  ctx.rect(a.x0 - EDGE, a.y0 - EDGE, a.x1 - a.x0 + 2 * EDGE, a.y1 - a.y0 + 2 * EDGE);
  ctx.clip();
  const t = bitmapTransform(plot, points.view, view);
  ctx.transform(t.sx, 0, 0, t.sy, t.dx, t.dy);
  // Unsmoothed: in the view it was drawn in, the bitmap lands pixel for pixel (the colours stay exact).
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(points.bitmap, 0, 0, plot.width, plot.height);
  ctx.restore();
  drawAxes(ctx, plot, view, muted);
}

/** Axes over the points: lines and the view's ticks in the page's muted colour. */
function drawAxes(ctx: CanvasRenderingContext2D, plot: Plot, view: View, muted: string): void {
  const a = area(plot);
  ctx.strokeStyle = ctx.fillStyle = muted;
  ctx.font = '11px system-ui, sans-serif';
  ctx.beginPath();
  ctx.moveTo(a.x0, a.y0);
  ctx.lineTo(a.x0, a.y1);
  ctx.lineTo(plot.width - 4, a.y1);
  ctx.stroke();
  ctx.textAlign = 'center';
  for (const v of ticks(view.v0, view.v1, 5)) ctx.fillText(String(v), toX(plot, v, view), a.y1 + 13);
  ctx.textAlign = 'right';
  for (const c of ticks(view.c0, view.c1, 5)) ctx.fillText(String(c), a.x0 - 4, toY(plot, c, view) + 4);
  ctx.textAlign = 'center';
  ctx.fillText('variability (std of p(true))', (a.x0 + a.x1) / 2, plot.height - 3);
  ctx.translate(10, (a.y0 + a.y1) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('confidence (mean p(true))', 0, 0);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
}
