/**
 * The viewer end to end, on each host: a real run trained by the CLI into the app's database, opened in
 * Chromium. Checks numbers on the page against the stored weights (fetched through the API), not only
 * that something was drawn, and saves a screenshot of each main screen.
 */
import { GifReader } from 'omggif';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, type LayerName, type RunDetail, type TensorSeries } from '../../src-preload/api.ts';
import { tensorAt } from '../../src-main/shared/render/diff.ts';
import { formatValue } from '../../src-main/shared/render/frame.ts';
import { defaultLayout, layoutFor } from '../../src-main/shared/render/layout.ts';
import { renderTensor } from '../../src-main/shared/render/render.ts';
import { HOST, maxAbs, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;
let run: RunDetail;

/** W_e − W_prev at every snapshot (the first is its own previous). */
function prevDiffs(s: TensorSeries): TensorSeries {
  const size = s.data.length / s.seqs.length;
  return { ...s, data: s.data.map((v, i) => (i < size ? 0 : v - s.data[i - size]!)) };
}



/** Moves the mouse to the centre of element `e` of the layer's picture (layout, columns and zoom as the page draws them). */
async function hoverElement(canvas: Locator, shape: number[], kind: 'filters' | 'kernels', zoom: number, e: number, columns?: number): Promise<void> {
  const layout = layoutFor(shape, kind, { columns });
  const p = layout.pixelOf[e]!;
  const x = (p % layout.width) * zoom + zoom / 2;
  const y = Math.floor(p / layout.width) * zoom + zoom / 2;
  await canvas.hover({ position: { x, y } });
}

const text = (testId: string) => app.page.getByTestId(testId).textContent();
/** How many blocks of rows the page laid conv2's kernel grid out in: the one whose width is the canvas's. */
async function kernelBlocks(shape: number[]): Promise<number> {
  const width = await app.page.getByTestId('weights').evaluate((c) => (c as unknown as { width: number }).width);
  const blocks = Array.from({ length: 50 }, (_, i) => i + 1).find((c) => layoutFor(shape, 'kernels', { columns: c }).width === width);
  if (!blocks) throw new Error(`no kernel grid is ${width} cells wide`);
  return blocks;
}
const attr = (testId: string, name: string) => app.page.getByTestId(testId).getAttribute(name);

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1440, height: 900 } });
  // A real (small) run, trained by the CLI into the database the server has open.
  trainWithCli(app, ['--epochs', '2', '--train-limit', '300', '--test-limit', '100', '--snapshots-per-epoch', '2']);
  const [summary] = await app.call('runs.list', {});
  run = await app.call('runs.get', { id: summary!.id });
});

afterAll(async () => {
  await app?.close();
});

describe(`the viewer, on a run trained by the CLI (${HOST} host)`, () => {
  it('lists the run with its status, epochs and accuracy', async () => {
    // The CLI trained in another process, after the page had loaded: reload to list its run.
    await app.goto('#/runs');
    await app.page.reload();
    const row = app.page.locator(`tr[data-run-id="${run.id}"]`);
    await expect.poll(() => row.textContent()).toContain(run.name);
    const cells = await row.locator('td').allTextContents();
    expect(cells[2]).toContain('done');
    expect(cells[3]).toBe(`${run.epochsDone}/${run.epochs}`);
    expect(cells[4]).toBe(`${(run.bestTestAccuracy! * 100).toFixed(2)}%`);
    await app.screenshot('runs');
  });

  it('shows in the new-run form the contract’s validation error beside its field', async () => {
    await app.page.getByRole('button', { name: 'New run' }).click();
    const form = app.page.getByTestId('new-run');
    await form.locator('input[name="epochs"]').fill('0');
    // What trains, and why, as the probe answered for this data set and batch size.
    const datasets = await app.call('datasets.list', {});
    const datasetId = (datasets.find((d) => d.bundled) ?? datasets[0]!).id; // the form's first pick
    const backend = await app.call('app.backend', { datasetId, batchSize: 64 });
    await expect.poll(() => form.getByTestId('backend').textContent()).toContain(backend.summary);
    await app.screenshot('new-run');
    await form.getByRole('button', { name: 'Start training' }).click();
    const field = form.locator('label', { has: app.page.locator('input[name="epochs"]') });
    await expect.poll(() => field.locator('.error').textContent()).toBe('at least 1 epoch');
    expect(await form.locator('input[name="epochs"]').getAttribute('aria-invalid')).toBe('true');
    expect((await app.call('runs.list', {})).length).toBe(1);
  });

  it('opens the new-run form with `n` (kept in the URL) and lists the shortcuts with `?`', async () => {
    const form = app.page.getByTestId('new-run');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });
    expect(app.page.url()).not.toContain('new=1');
    await app.page.keyboard.press('n');
    await form.waitFor();
    expect(app.page.url()).toContain('new=1');
    // Typing in the form's fields is not a shortcut.
    await form.locator('input[name="name"]').fill('n?');
    expect(await app.page.getByTestId('shortcut-help').isVisible()).toBe(false);
    await form.locator('input[name="name"]').blur();
    await app.page.keyboard.press('?');
    const help = app.page.getByTestId('shortcut-help');
    await help.waitFor();
    expect(await help.textContent()).toContain('export the view as an animated GIF');
    await app.screenshot('shortcuts');
    await app.page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('opens the run: the conv1 value under the pointer is the stored weight, the legend the series’ max |w|', async () => {
    await app.page.locator(`tr[data-run-id="${run.id}"] a`).click();
    const canvas = app.page.getByTestId('weights');
    await canvas.waitFor();
    const series = await app.call('weights.series', { runId: run.id, tensor: 'conv1/kernel' });
    const last = series.seqs.length - 1;
    expect(await text('epoch-label')).toContain(`${run.snapshots.at(-1)!.epoch}/${run.epochs}`);
    expect(Number(await attr('legend', 'data-max'))).toBe(maxAbs(series.data));
    expect(await text('legend-max')).toBe(formatValue(maxAbs(series.data)));

    const shape = series.shape;
    const e = 7 * 20 + 13; // kernel row 1, col 2 (of 5), channel 0, filter 13
    const stored = await app.call('weights.get', { runId: run.id, tensor: 'conv1/kernel', seq: series.seqs[last]! });
    await hoverElement(canvas, shape, 'filters', 12, e);
    await expect.poll(() => attr('hover-readout', 'data-value')).toBe(String(stored.data[e]));
    expect(await text('hover-readout')).toContain('filter 13');
    expect(tensorAt(series, last)[e]).toBe(stored.data[e]);
    await app.screenshot('run-conv1');
  });

  it('scrubs with the keys, plays, and keeps the view in the URL', async () => {
    const series = await app.call('weights.series', { runId: run.id, tensor: 'conv1/kernel' });
    const canvas = app.page.getByTestId('weights');
    await app.page.keyboard.press('Home');
    expect(await text('epoch-label')).toMatch(/epoch\s*0\//);
    await app.page.keyboard.press('ArrowRight');
    expect(await text('epoch-label')).toContain(`${run.snapshots[1]!.epoch}/`);
    await expect.poll(() => app.page.url()).toContain(`seq=${series.seqs[1]}`);
    const e = 3;
    await hoverElement(canvas, series.shape, 'filters', 12, e);
    await expect.poll(() => attr('hover-readout', 'data-value')).toBe(String(tensorAt(series, 1)[e]));

    await app.page.keyboard.press('End');
    const before = await text('epoch-label');
    await app.page.getByTestId('play').click();
    // Play at the end starts over, and keeps moving.
    await expect.poll(() => text('epoch-label')).not.toBe(before);
    await app.page.keyboard.press(' ');
    expect(await app.page.getByTestId('play').getAttribute('aria-label')).toBe('Play');
  });

  it('switches to conv2 and the grey map: the grid uses the width, every weight cell is grey, the scale is conv2’s', async () => {
    await app.page.getByTestId('layer-conv2').click();
    await app.page.getByTestId('colormap').selectOption('grey');
    const series = await app.call('weights.series', { runId: run.id, tensor: 'conv2/kernel' });
    await expect.poll(() => attr('legend', 'data-max')).toBe(String(maxAbs(series.data)));
    // Two blocks of 25 filter rows side by side at 1440 px, rows and columns numbered.
    await app.page.getByTestId('weights').and(app.page.locator('[data-seq]:not([data-seq=""])')).waitFor();
    const blocks = await kernelBlocks(series.shape);
    expect(blocks).toBeGreaterThanOrEqual(2);
    expect(Number(await attr('weights', 'data-width'))).toBe(layoutFor(series.shape, 'kernels', { columns: blocks }).width * 4);
    const ticks = app.page.locator('.weight-canvas .tick.row');
    expect(await ticks.allTextContents()).toEqual(Array.from({ length: 50 }, (_, o) => String(o)));
    expect(await app.page.locator('.weight-canvas .tick.col').count()).toBe(20 * blocks);
    const grey = await app.page.getByTestId('weights').evaluate((c) => {
      const canvas = c as unknown as { width: number; height: number; getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < d.length; i += 4) if (!(d[i] === d[i + 1] && d[i + 1] === d[i + 2]) && !(d[i] === 0x1d && d[i + 1] === 0x20)) coloured++;
      return coloured;
    });
    expect(grey).toBe(0);
    // The client recorded the weight calls for the performance panel, latest only.
    const measures = await app.page.evaluate(() => performance.getEntriesByName('api weights.series').map((m) => m.duration));
    expect(measures).toHaveLength(1);
    expect(measures[0]).toBeGreaterThan(0);
    await expect.poll(() => app.page.url()).toContain('cmap=grey');
    expect(app.page.url()).toContain('layer=conv2');
  });

  it('diff mode draws W_e − W_prev on its own scale and ranks the filters that changed most', async () => {
    await app.page.getByTestId('colormap').selectOption('diverging');
    await app.page.getByTestId('diff-prev').click();
    await app.page.keyboard.press('End');
    const series: TensorSeries = await app.call('weights.series', { runId: run.id, tensor: 'conv2/kernel' });
    const diffs = prevDiffs(series);
    await expect.poll(() => attr('legend', 'data-max')).toBe(String(maxAbs(diffs.data)));
    const ranking = app.page.getByTestId('ranking');
    await ranking.waitFor();
    expect(await ranking.locator('li').count()).toBe(12);
    const canvas = app.page.getByTestId('weights');
    const e = 20 * 50 + 50 * 7 + 4; // conv2 kernel row 0, col 1, input channel 7, filter 4
    await hoverElement(canvas, series.shape, 'kernels', 4, e, await kernelBlocks(series.shape));
    const i = Number(await app.page.getByTestId('epoch-slider').inputValue());
    await expect.poll(() => attr('hover-readout', 'data-value')).toBe(String(tensorAt(diffs, i)[e]));
    expect(await attr('hover-readout', 'data-weight')).toBe(String(tensorAt(series, i)[e]));
    await app.screenshot('run-conv2-diff');

    // The first snapshot has nothing before it: no filter is "most changed", none is outlined.
    await app.page.keyboard.press('Home');
    await app.page.getByTestId('no-change').waitFor();
    expect(await ranking.locator('li').count()).toBe(0);
    await app.page.keyboard.press('End');
    await ranking.locator('li').first().waitFor();
  });

  it('keys the loss chart with the shown snapshot’s values, not a dash', async () => {
    const last = run.snapshots.at(-1)!;
    const legend = app.page.getByTestId('charts').locator('.chart').first().locator('.u-legend');
    // (3 significant digits, as the page writes a loss.)
    await expect.poll(() => legend.textContent()).toContain(last.metrics.testLoss!.toPrecision(3));
    // (The first entry is the x axis, hidden by the page.)
    const keys = await legend.locator('.u-series:not(:first-child)').allTextContents();
    expect(keys).toEqual([`train${last.metrics.trainLoss!.toPrecision(3)}`, `test${last.metrics.testLoss!.toPrecision(3)}`]);
  });

  it('exports the view as drawn (conv2, difference to the previous snapshot) as a GIF with `g`, one frame per snapshot', async () => {
    const saved = await app.exportedGif(() => app.page.keyboard.press('g'));
    expect(saved.name).toMatch(/-conv2-diff-prev\.gif$/);
    const gif = new GifReader(saved.bytes);
    expect(gif.numFrames()).toBe(run.snapshots.length);
    await expect.poll(() => text('export-gif')).toBe('Export GIF');
  });

  it('opens a filter large with its numbers, and restores the view on reload', async () => {
    await app.page.getByTestId('layer-conv1').click();
    await app.page.getByTestId('diff-none').click();
    await app.page.getByTestId('weights').click({ position: { x: 30, y: 30 } });
    const dialog = app.page.getByTestId('filter-detail');
    await dialog.waitFor();
    expect(await dialog.locator('.grid td').count()).toBe(25);
    await app.screenshot('filter-detail');
    await app.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await expect.poll(() => app.page.url()).toContain('cmap=diverging');
    const url = app.page.url();
    await app.page.reload();
    await app.page.getByTestId('weights').waitFor();
    expect(app.page.url()).toBe(url);
    expect(await app.page.getByTestId('layer-conv1').getAttribute('aria-selected')).toBe('true');
    expect(await app.page.getByTestId('colormap').inputValue()).toBe('diverging');
  });

  it('shows the data sets with their sample images', async () => {
    await app.page.getByRole('link', { name: 'Data sets' }).click();
    await app.page.getByTestId('dataset-detail').locator('canvas').waitFor();
    expect(await app.page.getByTestId('datasets-table').textContent()).toContain('6,000');
    await app.screenshot('datasets');
  });

  // The browser host only: the desktop app takes a dropped folder (tests/e2e/desktop.test.ts).
  if (HOST === 'browser') {
    it('refuses a dropped data set in a browser, which never learns its path', async () => {
      // The page says drag-and-drop needs the desktop app and takes nothing.
      const url = app.page.url();
      const before = await app.call('datasets.list', {});
      const files = await app.page.evaluateHandle(() => {
        // (The Node project has no DOM types: the two page globals are typed by the little used here.)
        const page = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: string[], name: string) => unknown };
        const dt = new page.DataTransfer();
        dt.items.add(new page.File(['x'], 'cifar-10-binary.tar.gz'));
        return dt;
      });
      await app.page.dispatchEvent('main', 'dragenter', { dataTransfer: files });
      const note = app.page.getByTestId('drop-note');
      await expect.poll(() => note.textContent()).toContain('needs the desktop app');
      await app.screenshot('drop-in-browser');
      await app.page.dispatchEvent('main', 'drop', { dataTransfer: files });
      await note.waitFor({ state: 'detached' });
      expect(app.page.url()).toBe(url);
      expect(await app.call('datasets.list', {})).toEqual(before);
      expect(app.errors).toEqual([]);
    });
  }
});

/**
 * Records in the page every picture drawn on the weights canvas: the snapshot it is labelled with, its
 * size, a hash of its pixels, and how many snapshots of the layer were in memory then.
 */
const RECORD_DRAWS = `
  window.__draws = [];
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (img, ...rest) {
    put.call(this, img, ...rest);
    if (this.canvas.dataset.testid !== 'weights') return;
    let h = 2166136261;
    const px = new Uint32Array(img.data.buffer);
    for (let i = 0; i < px.length; i++) h = Math.imul(h ^ px[i], 16777619);
    const loaded = document.querySelector('[data-testid="loaded"]');
    window.__draws.push({ seq: this.canvas.dataset.seq, width: img.width, hash: h >>> 0, loaded: loaded ? Number(loaded.dataset.loaded) : null });
  };`;

/** The same hash of an RGBA picture, worked out here. */
function pixelHash(rgba: Uint8ClampedArray): number {
  let h = 2166136261;
  const px = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length / 4);
  for (let i = 0; i < px.length; i++) h = Math.imul(h ^ px[i]!, 16777619);
  return h >>> 0;
}

describe('a 40-snapshot run, scrubbed while its layers load', () => {
  let long: RunDetail;

  beforeAll(async () => {
    // 200 images in batches of 10: 20 batches, a snapshot after each in the first epoch, then one per epoch.
    trainWithCli(app, ['--epochs', '20', '--train-limit', '200', '--test-limit', '100', '--batch', '10', '--snapshots-per-epoch', '20', '--name', 'forty']);
    const summary = (await app.call('runs.list', {})).find((r) => r.name === 'forty')!;
    long = await app.call('runs.get', { id: summary.id });
    await app.page.addInitScript(RECORD_DRAWS);
  });

  it('draws every layer’s snapshot on screen first, and never any but the one on the scrubber, with its stored weights', async () => {
    const seqs = long.snapshots.map((s) => s.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(40);
    await app.goto(`#/run/${long.id}`);
    await app.page.reload();
    const canvas = app.page.getByTestId('weights');
    const slider = app.page.getByTestId('epoch-slider');
    const onScrubber = async () => String(seqs[Number(await slider.inputValue())]);
    await expect.poll(() => canvas.getAttribute('data-seq')).toBe(await onScrubber());

    const blocks: Partial<Record<LayerName, number>> = {};
    for (const layer of ['conv2', 'fc1', 'fc2', 'conv1'] as const) {
      await app.page.getByTestId(`layer-${layer}`).click();
      // fc1's 40 snapshots are 64 MB: the scrubbing below happens while they arrive.
      if (layer === 'fc1') await expect.poll(async () => Number(await attr('loaded', 'data-loaded'))).toBeLessThan(seqs.length);
      // The clicked tab has the focus, and on a tab the arrow keys choose the layer (the ARIA tabs pattern):
      // the snapshot keys go to the player.
      await slider.focus();
      for (const key of ['Home', 'ArrowRight', 'ArrowRight', 'End', 'ArrowLeft']) await app.page.keyboard.press(key);
      await slider.fill(String(Math.floor(seqs.length / 2)));
      await app.page.keyboard.press('ArrowRight');
      await expect.poll(() => canvas.getAttribute('data-seq')).toBe(await onScrubber());
      if (layer === 'conv2') blocks.conv2 = await kernelBlocks([5, 5, 20, 50]);
    }

    // Every picture drawn, layer by layer (told apart by their widths), against the stored weights drawn here.
    const draws = (await app.page.evaluate('window.__draws')) as { seq: string; width: number; hash: number; loaded: number | null }[];
    const expected = new Map<string, number>();
    for (const layer of LAYERS) {
      const series = await app.call('weights.series', { runId: long.id, tensor: `${layer}/kernel` });
      const max = maxAbs(series.data);
      const kind = defaultLayout(layer, series.shape);
      series.seqs.forEach((seq, i) => {
        const picture = renderTensor(tensorAt(series, i), series.shape, layer, {
          colormap: 'study', scale: { mode: 'layer', max, filterMax: new Float32Array(0) }, layout: kind, columns: blocks[layer],
        });
        expected.set(`${picture.width}@${seq}`, pixelHash(picture.rgba));
      });
    }
    expect(draws.length).toBeGreaterThan(20);
    for (const d of draws) expect(d.hash, `the ${d.width}-wide picture labelled snapshot ${d.seq}`).toBe(expected.get(`${d.width}@${d.seq}`));
    const fc1 = draws.filter((d) => d.width === layoutFor([800, 500], 'matrix').width);
    expect(fc1.length).toBeGreaterThan(0);
    // Drawn before the rest of its series was in memory.
    expect(fc1[0]!.loaded).toBeLessThan(seqs.length);
    await app.screenshot('run-forty-fc1-loaded');
    expect(app.errors).toEqual([]);
  });
});
