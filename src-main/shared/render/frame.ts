/**
 * A whole frame: caption on top, one or more pictures side by side (one per run in the compare view,
 * each with a label), and the colour legend with its numbers at the bottom. Built as an indexed
 * picture from the same palette, so the GIF stores it exactly; a page can show it as a preview.
 */
import { ADVANCE, GLYPH_H, drawText, textWidth } from './font.ts';
import { BACKGROUND, CUBE, LEVELS, MUTED, TEXT, type Palette } from './palette.ts';
import type { Picture } from './render.ts';
import type { ScaleMode } from './scale.ts';

export interface Legend {
  /** The scale's ±max (the layer-wide one in 'filter' mode, which the numbers then do not show). */
  max: number;
  mode: ScaleMode;
}

export interface FrameSpec {
  palette: Palette;
  panels: readonly Picture[];
  /** One label per panel (e.g. the run's name, then its accuracy), drawn above it; '\n' starts a line. */
  labels?: readonly string[];
  caption?: string;
  legend?: Legend;
  /** Integer text size; default 1, or 2 when the pictures are wide. */
  textScale?: number;
  /** Make the frame at least this wide (so every frame of an animation has the same size). */
  minWidth?: number;
}

/** What a frame's size depends on: its texts and its pictures' widths, not their pixels. */
export type FrameLayout = Omit<FrameSpec, 'palette' | 'panels'> & { panels: readonly Pick<Picture, 'width'>[] };

export interface Frame extends Picture {
  /** Where each panel was drawn: x, y. */
  panelOrigins: [number, number][];
}

/** A weight as the legend writes it: three significant digits, a true minus sign. */
export function formatValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  const body = a >= 0.01 && a < 1000 ? String(Number(a.toPrecision(3))) : a.toExponential(2).replace('e+', 'e');
  return (v < 0 ? '−' : '+') + body;
}

/** The legend's three numbers, left to right. */
export function legendLabels(legend: Legend): [string, string, string] {
  if (legend.mode === 'filter') return ['−max', '0 (per filter)', '+max'];
  return [formatValue(-legend.max), '0', formatValue(legend.max)];
}

const GAP = 8;

/** The size `composeFrame` will give, without drawing (to size every frame of an animation alike). */
export function frameWidth(spec: FrameLayout): number {
  const s = textScaleOf(spec);
  const m = 4 * s;
  const panels = spec.panels.reduce((w, p) => w + p.width, 0) + GAP * s * Math.max(0, spec.panels.length - 1);
  // Panel labels are cut to their panel's width; the caption and the legend's numbers set the width.
  const caption = textWidth(spec.caption ?? '', s);
  const legend = spec.legend ? textWidth(legendLabels(spec.legend).join('  '), s) : 0;
  return Math.max(spec.minWidth ?? 0, panels + 2 * m, caption + 2 * m, legend + 2 * m);
}

function textScaleOf(spec: FrameLayout): number {
  if (spec.textScale) return spec.textScale;
  const panels = spec.panels.reduce((w, p) => w + p.width, 0);
  return panels >= 640 ? 2 : 1;
}

export function composeFrame(spec: FrameSpec): Frame {
  const s = textScaleOf(spec);
  const m = 4 * s;
  const line = GLYPH_H * s;
  const width = frameWidth(spec);
  const panelsH = Math.max(0, ...spec.panels.map((p) => p.height));
  const captionH = spec.caption !== undefined ? line + 4 * s : 0;
  const labelLines = Math.max(0, ...(spec.labels ?? []).map((l) => l.split('\n').length));
  const labelsH = labelLines * (line + 2 * s) + (labelLines ? s : 0);
  const legendH = spec.legend ? 6 * s + 6 * s + 2 * s + line : 0;
  const height = m + captionH + labelsH + panelsH + legendH + m;
  const img = new Uint8Array(width * height).fill(BACKGROUND);

  let y = m;
  if (spec.caption !== undefined) {
    drawText(img, width, m, y, spec.caption, TEXT, s);
    y += captionH;
  }
  const panelsW = spec.panels.reduce((w, p) => w + p.width, 0) + GAP * s * Math.max(0, spec.panels.length - 1);
  let x = Math.floor((width - panelsW) / 2);
  const panelOrigins: [number, number][] = [];
  spec.panels.forEach((p, i) => {
    if (p.palette !== spec.palette) throw new Error('composeFrame: every panel must use the frame palette');
    const label = spec.labels?.[i];
    label?.split('\n').forEach((text, k) => {
      drawText(img, width, x, y + k * (line + 2 * s), fitText(text, p.width + GAP * s, s), k === 0 ? TEXT : MUTED, s);
    });
    const py = y + labelsH;
    for (let r = 0; r < p.height; r++) img.set(p.indices.subarray(r * p.width, (r + 1) * p.width), (py + r) * width + x);
    panelOrigins.push([x, py]);
    x += p.width + GAP * s;
  });
  y += labelsH + panelsH;

  if (spec.legend) drawLegend(img, width, y + 6 * s, s, spec.legend, spec.palette);
  return { width, height, indices: img, palette: spec.palette, panelOrigins };
}

/** `text`, cut to fit `px` pixels at text scale s, ending in '..' when cut. */
function fitText(text: string, px: number, s: number): string {
  const chars = [...text];
  const fit = Math.floor((px / s + 1) / ADVANCE);
  return chars.length <= fit ? text : chars.slice(0, Math.max(0, fit - 2)).join('') + '..';
}

function drawLegend(img: Uint8Array, width: number, y: number, s: number, legend: Legend, pal: Palette): void {
  const m = 4 * s;
  const barW = Math.min(width - 2 * m, LEVELS * s);
  const x0 = Math.floor((width - barW) / 2);
  const barH = 6 * s;
  for (let x = 0; x < barW; x++) {
    const t = barW > 1 ? x / (barW - 1) : 0.5;
    // The RGB composite has no single map: its legend is the cube's grey diagonal.
    const index =
      pal.name === 'rgb' ? Math.min(CUBE - 1, Math.floor(t * CUBE)) * (CUBE * CUBE + CUBE + 1) : Math.round(t * (LEVELS - 1));
    for (let r = 0; r < barH; r++) img[(y + r) * width + x0 + x] = index;
  }
  const ty = y + barH + 2 * s;
  const [lo, mid, hi] = legendLabels(legend);
  drawText(img, width, x0, ty, lo, TEXT, s);
  drawText(img, width, x0 + Math.floor((barW - textWidth(mid, s)) / 2), ty, mid, TEXT, s);
  drawText(img, width, x0 + barW - textWidth(hi, s), ty, hi, TEXT, s);
}
