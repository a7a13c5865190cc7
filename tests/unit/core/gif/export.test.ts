import { GifReader } from 'omggif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LayerName, TensorSeries } from '../../../../src-preload/api.ts';
import { exportRunGif } from '../../../../src-main/core/gif/export-run.ts';
import { readTensorSeries } from '../../../../src-main/core/store/snapshots.ts';
import { readStatsSeries } from '../../../../src-main/core/store/tensor-stats.ts';
import { animationFrames, animationRun, layerView, statsScale, type ViewOptions } from '../../../../src-main/shared/render/animation.ts';
import { tensorAt } from '../../../../src-main/shared/render/diff.ts';
import type { Frame } from '../../../../src-main/shared/render/frame.ts';
import { drawText, textWidth } from '../../../../src-main/shared/render/font.ts';
import { formatValue } from '../../../../src-main/shared/render/frame.ts';
import { BACKGROUND, MUTED, TEXT, ZERO, palette } from '../../../../src-main/shared/render/palette.ts';
import { renderTensor, toRgba } from '../../../../src-main/shared/render/render.ts';
import { scaleFor } from '../../../../src-main/shared/render/scale.ts';
import { getRun } from '../../../../src-main/core/store/runs.ts';
import type { Db } from '../../../../src-main/core/store/db.ts';
import { STEADY, openTempDb, storeRun } from './store.ts';
import { removeTempDirs } from '../../../helpers.ts';

const EPOCHS = [0, 0.5, 1, 2, 3, 4];
let db: Db;
let runA: number;
let runB: number;

beforeAll(() => {
  db = openTempDb().db;
  runA = storeRun(db, 'alpha', EPOCHS, 1);
  runB = storeRun(db, 'beta', [0, 1, 2], 2);
});
afterAll(() => {
  db.close();
  removeTempDirs();
});

function decode(bytes: Uint8Array) {
  const reader = new GifReader(bytes);
  const frames = Array.from({ length: reader.numFrames() }, (_, k) => {
    const rgba = new Uint8ClampedArray(reader.width * reader.height * 4);
    reader.decodeAndBlitFrameRGBA(k, rgba);
    return rgba;
  });
  return { reader, frames };
}

/** The RGBA of a w×h region of an image at (x0, y0). */
function region(rgba: Uint8ClampedArray, width: number, x0: number, y0: number, w: number, h: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) out.set(rgba.subarray(((y0 + y) * width + x0) * 4, ((y0 + y) * width + x0 + w) * 4), y * w * 4);
  return out;
}

/** Index of the first difference between two byte arrays (−1 when equal): far faster than a deep toEqual. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Whether `text`, drawn in `colour` on the background, appears anywhere in the indexed frame. */
function containsText(indices: Uint8Array, width: number, text: string, colour = TEXT): boolean {
  const w = textWidth(text);
  const glyphs = new Uint8Array(w * 7).fill(BACKGROUND);
  drawText(glyphs, w, 0, 0, text, colour);
  const height = indices.length / width;
  for (let y = 0; y + 7 <= height; y++)
    for (let x = 0; x + w <= width; x++) {
      let same = true;
      for (let r = 0; r < 7 && same; r++)
        for (let c = 0; c < w && same; c++) same = indices[(y + r) * width + x + c] === glyphs[r * w + c];
      if (same) return true;
    }
  return false;
}

const seriesOf = (runId: number, layer: LayerName): TensorSeries => readTensorSeries(db, runId, `${layer}/kernel`)!;
/** W_e − W_prev at every snapshot (the first is its own previous). */
const prevDiffs = (s: TensorSeries): TensorSeries => {
  const size = s.data.length / s.seqs.length;
  return { ...s, data: s.data.map((v, i) => (i < size ? 0 : v - s.data[i - size]!)) };
};

/** The frames as composed before encoding (to find where each run's picture sits), each snapshot read from the store. */
async function composedFrames(runIds: number[], options: ViewOptions): Promise<Frame[]> {
  const tensor = `${options.layer}/kernel` as const;
  const stats = runIds.map((id) => readStatsSeries(db, id, tensor)!);
  const view = layerView(stats.map((s) => s.shape), statsScale(stats, options.diff), options);
  const runs = runIds.map((id) => animationRun(getRun(db, id)!));
  const series = runIds.map((id) => seriesOf(id, options.layer));
  const { frames } = animationFrames(runs, view, {}, (k, seq) => tensorAt(series[k]!, series[k]!.seqs.indexOf(seq)));
  const out: Frame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

describe('GIF export of a stored run', () => {
  it.each<[LayerName, number]>([
    ['conv1', 8],
    ['conv2', 3],
    ['fc2', 2],
  ])('%s: each decoded frame equals, pixel for pixel, the render module drawing of that epoch', async (layer, zoom) => {
    const gif = await exportRunGif(db, { runIds: [runA], layer, zoom, colormap: 'diverging', fps: 5, holdMs: 1000 });
    const { reader, frames } = decode(gif.bytes);
    expect(reader.numFrames()).toBe(EPOCHS.length);
    expect([reader.width, reader.height]).toEqual([gif.width, gif.height]);
    expect(gif.epochs).toEqual(EPOCHS);
    expect(reader.loopCount()).toBe(0);
    expect(reader.frameInfo(0).delay).toBe(20);
    expect(reader.frameInfo(EPOCHS.length - 1).delay).toBe(120);

    // What the screen draws: the run's series at that snapshot, on the scale of the whole run (scanned here).
    const series = seriesOf(runA, layer);
    const scale = scaleFor(series.shape, series.data, 'layer');
    const composed = await composedFrames([runA], { layer, zoom, colormap: 'diverging' });
    EPOCHS.forEach((_, i) => {
      const [x0, y0] = composed[i]!.panelOrigins[0]!;
      const screen = renderTensor(tensorAt(series, i), series.shape, layer, { colormap: 'diverging', scale, zoom });
      expect(firstDifference(region(frames[i]!, gif.width, x0, y0, screen.width, screen.height), screen.rgba)).toBe(-1);
      expect(firstDifference(frames[i]!, toRgba(composed[i]!))).toBe(-1);
    });
  });

  it('keeps the scale fixed: a weight that never changes keeps its colour in every frame', async () => {
    const gif = await exportRunGif(db, { runIds: [runA], layer: 'conv1', zoom: 4, colormap: 'study' });
    const { frames } = decode(gif.bytes);
    const series = seriesOf(runA, 'conv1');
    const [x0, y0] = (await composedFrames([runA], { layer: 'conv1', zoom: 4, colormap: 'study' }))[0]!.panelOrigins[0]!;
    // Weight 0 is filter 0, channel 0, row 0, col 0: the first cell of the first tile, one cell in.
    const at = ((y0 + 4 + 1) * gif.width + x0 + 4 + 1) * 4;
    const colours = frames.map((f) => Array.from(f.subarray(at, at + 3)).join());
    expect(new Set(colours).size).toBe(1);
    const max = scaleFor(series.shape, series.data, 'layer').max;
    const level = Math.round((STEADY / max) * ZERO) + ZERO;
    expect(colours[0]).toBe(Array.from(palette('study').rgba.subarray(level * 4, level * 4 + 3)).join());
  });

  it('carries a caption per frame and a legend with the scale’s numbers', async () => {
    const series = seriesOf(runA, 'conv1');
    const frames = await composedFrames([runA], { layer: 'conv1', zoom: 8, colormap: 'study' });
    const max = scaleFor(series.shape, series.data, 'layer').max;
    const f = frames[3]!;
    expect(containsText(f.indices, f.width, 'conv1 · epoch 2/4 · test acc 53.0%')).toBe(true);
    expect(containsText(frames[1]!.indices, f.width, 'conv1 · epoch 0.5/4 · test acc 51.0%')).toBe(true);
    for (const label of [formatValue(-max), '0', formatValue(max)]) expect(containsText(f.indices, f.width, label)).toBe(true);
    expect(formatValue(max)).toMatch(/^\+0\.\d{2,3}$/);
  });

  it('exports an epoch range, and says what is stored when the range is empty', async () => {
    const gif = await exportRunGif(db, { runIds: [runA], layer: 'conv1', from: 0.5, to: 2 });
    expect(gif.epochs).toEqual([0.5, 1, 2]);
    expect(decode(gif.bytes).reader.numFrames()).toBe(3);
    await expect(exportRunGif(db, { runIds: [runA], layer: 'conv1', from: 5, to: 7 })).rejects.toThrow(
      /no snapshots between epochs 5 and 7 \(stored: 0–4\)/,
    );
    await expect(exportRunGif(db, { runIds: [999], layer: 'conv1' })).rejects.toThrow(/no run with id 999/);
  });

  it('diff mode draws W_e − W_prev on its own scale: the first frame has changed nowhere', async () => {
    const zoom = 2;
    const gif = await exportRunGif(db, { runIds: [runA], layer: 'conv2', zoom, colormap: 'grey', diff: 'prev' });
    const { frames } = decode(gif.bytes);
    const diffs = prevDiffs(seriesOf(runA, 'conv2'));
    const scale = scaleFor(diffs.shape, diffs.data, 'layer');
    const composed = await composedFrames([runA], { layer: 'conv2', zoom, colormap: 'grey', diff: 'prev' });
    const [x0, y0] = composed[0]!.panelOrigins[0]!;
    const first = renderTensor(tensorAt(diffs, 0), diffs.shape, 'conv2', { colormap: 'grey', scale, zoom });
    const weightPixels = Array.from(first.layout.pixelOf, (p) => first.indices[((Math.floor(p / first.layout.width) * zoom) * first.width) + (p % first.layout.width) * zoom]);
    expect(new Set(weightPixels)).toEqual(new Set([ZERO]));
    const last = renderTensor(tensorAt(diffs, 5), diffs.shape, 'conv2', { colormap: 'grey', scale, zoom });
    expect(firstDifference(region(frames[5]!, gif.width, x0, y0, last.width, last.height), last.rgba)).toBe(-1);
  });

  it('puts compared runs side by side on one shared scale; a shorter run holds its last frame', async () => {
    const gif = await exportRunGif(db, { runIds: [runA, runB], layer: 'conv1', zoom: 3, colormap: 'diverging' });
    const { reader, frames } = decode(gif.bytes);
    expect(reader.numFrames()).toBe(EPOCHS.length);
    const a = seriesOf(runA, 'conv1');
    const b = seriesOf(runB, 'conv1');
    const shared = scaleFor(a.shape, [a.data, b.data], 'layer');
    const composed = await composedFrames([runA, runB], { layer: 'conv1', zoom: 3, colormap: 'diverging' });
    const last = composed.at(-1)!;
    expect(containsText(last.indices, last.width, 'beta')).toBe(true);
    for (const text of ['52.0%', 'ended at 2']) expect(containsText(last.indices, last.width, text, MUTED)).toBe(true);
    expect(containsText(composed[2]!.indices, last.width, 'ended at 2', MUTED)).toBe(false);
    // Run B's column in the last frame (epoch 4) is its last snapshot (epoch 2), on the shared scale.
    const [x0, y0] = last.panelOrigins[1]!;
    const screen = renderTensor(tensorAt(b, 2), b.shape, 'conv1', { colormap: 'diverging', scale: shared, zoom: 3 });
    expect(firstDifference(region(frames.at(-1)!, gif.width, x0, y0, screen.width, screen.height), screen.rgba)).toBe(-1);
    expect(last.panelOrigins[1]![0]).toBeGreaterThanOrEqual(last.panelOrigins[0]![0] + screen.width);
  });
});
