/**
 * The activation view end to end: a real run trained by the CLI into the server's database, opened in
 * Chromium. Checks the numbers on the page against the API (the value under the pointer, the legends,
 * the confusion matrix against the stored test accuracy), that scrubbing changes the maps, that pinning
 * adds a row, that a conv1 filter and its maps are outlined together, and saves the screenshots.
 */
import { join } from 'node:path';
import { GifReader } from 'omggif';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivationMaps, PinnedInputs, RunDetail } from '../../src-preload/api.ts';
import { rowShape } from '../../src-main/shared/render/activations/animation.ts';
import { rowLayout, type RowLayout } from '../../src-main/shared/render/activations/row.ts';
import { layoutFor } from '../../src-main/shared/render/layout.ts';
import { appRoot } from '../../src-main/core/paths.ts';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;
/** The freeze experiment's runs: trained normally, and with conv1 and conv2 frozen. */
let run: RunDetail;
let frozen: RunDetail;
let layout: RowLayout;
/** CSS pixels per cell of the activation rows (the panel's default zoom). */
const ZOOM = 2;

const text = (testId: string) => app.page.getByTestId(testId).textContent();
const attr = (testId: string, name: string) => app.page.getByTestId(testId).getAttribute(name);
const rows = () => app.page.getByTestId('activation-rows');
const row = (index: number) => rows().locator(`li[data-index="${index}"]`).getByTestId('activation-row');
const mapsAt = (seq: number, diff?: 'prev') => app.call('activations.maps', { runId: run.id, seq, ...(diff ? { diff } : {}) }) as Promise<ActivationMaps>;

/** The centre of map value (row, col) of `channel` of a layer, in the row canvas's CSS pixels. */
function mapPoint(layer: 'conv1' | 'pool1' | 'conv2', channel: number, r: number, c: number): { x: number; y: number } {
  const rect = layout.maps[layer][channel]!;
  return { x: (rect.x + c + 0.5) * ZOOM, y: (rect.y + r + 0.5) * ZOOM };
}

/** The RGBA of one canvas pixel (canvas coordinates: the rows are drawn at one cell per value). */
const pixel = (canvas: Locator, x: number, y: number) =>
  canvas.evaluate(
    (c, [px, py]) => Array.from((c as unknown as { getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }).getContext('2d').getImageData(px!, py!, 1, 1).data),
    [x, y],
  );
const canvasBytes = (canvas: Locator) =>
  canvas.evaluate((c) => {
    const el = c as unknown as { width: number; height: number; getContext(t: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    return Array.from(el.getContext('2d').getImageData(0, 0, el.width, el.height).data).join();
  });

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1440, height: 900 } });
  const ids = trainWithCli(app, ['--experiment', 'freeze-conv', '--epochs', '3', '--train-limit', '600', '--test-limit', '200']) as { trained: { id: number }; frozen: { id: number } };
  run = await app.call('runs.get', { id: ids.trained.id });
  frozen = await app.call('runs.get', { id: ids.frozen.id });
});

afterAll(async () => {
  await app?.close();
});

describe(`the activation view, on a run trained by the CLI (${HOST} host)`, () => {
  it('shows each pinned input’s maps at the shown snapshot: the value under the pointer and the legends are the API’s', async () => {
    await app.goto(`#/run/${run.id}`);
    await rows().locator('li').first().waitFor();
    const last = run.snapshots.at(-1)!.seq;
    await expect.poll(() => attr('activation-rows', 'data-seq')).toBe(String(last));
    const maps = await mapsAt(last);
    layout = rowLayout(rowShape(maps));
    expect(await rows().locator('li').count()).toBe(10);
    expect(await rows().locator('li').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))))).toEqual(maps.indices);
    for (const layer of ['conv1', 'pool1', 'conv2'] as const) expect(Number(await attr(`map-legend-${layer}`, 'data-max'))).toBe(maps.scale[layer]);

    // conv2 map 17 of the third input, at row 3, column 5 (NHWC: input, row, column, channel).
    const k = 2;
    await row(maps.indices[k]!).hover({ position: mapPoint('conv2', 17, 3, 5) });
    const value = maps.maps.conv2.data[k * 8 * 8 * 50 + (3 * 8 + 5) * 50 + 17];
    await expect.poll(() => attr('activation-readout', 'data-value')).toBe(String(value));
    expect(await text('activation-readout')).toContain('conv2 map 17');
    await app.screenshot('activations');
  });

  it('scrubs with the same player and keys: the maps change with the snapshot', async () => {
    const first = (await mapsAt(0)).indices[0]!;
    const canvas = row(first);
    await app.page.keyboard.press('Home');
    await expect.poll(() => attr('activation-rows', 'data-seq')).toBe('0');
    const before = await canvasBytes(canvas);
    await app.page.keyboard.press('ArrowRight');
    await expect.poll(() => attr('activation-rows', 'data-seq')).toBe(String(run.snapshots[1]!.seq));
    expect(await canvasBytes(canvas)).not.toBe(before);
    const maps = await mapsAt(run.snapshots[1]!.seq);
    await canvas.hover({ position: mapPoint('conv1', 4, 10, 12) });
    await expect.poll(() => attr('activation-readout', 'data-value')).toBe(String(maps.maps.conv1.data[(10 * 24 + 12) * 20 + 4]));
  });

  it('clicking a conv1 filter outlines its map (and the pool1 map made from it) in every input, and the other way round', async () => {
    const weights = app.page.getByTestId('weights');
    const filters = layoutFor([5, 5, 1, 20], 'filters');
    const f = 6;
    const r = filters.filterRects;
    await weights.click({ position: { x: (r[f * 4]! + 2.5) * 12, y: (r[f * 4 + 1]! + 2.5) * 12 } });
    // The filter opens large, as before; the choice stays when it closes.
    await app.page.getByTestId('filter-detail').waitFor();
    await app.page.keyboard.press('Escape');
    await expect.poll(() => attr('activation-rows', 'data-chosen')).toBe(`conv1:${f}`);
    expect(await attr('filter-highlight', 'data-filter')).toBe(String(f));
    const amber = [0xff, 0xc4, 0x00, 255];
    const pins = (await app.call('activations.pins', { runId: run.id })) as PinnedInputs;
    for (const index of pins.indices) {
      const rect = layout.maps.conv1[f]!;
      expect(await pixel(row(index), rect.x - 1, rect.y + 3), `input ${index}`).toEqual(amber);
      const pooled = layout.maps.pool1[f]!;
      expect(await pixel(row(index), pooled.x + 2, pooled.y - 1)).toEqual(amber);
      // A map not chosen is not outlined.
      const other = layout.maps.conv1[f + 1]!;
      expect(await pixel(row(index), other.x + other.w, other.y + 3)).not.toEqual(amber);
    }
    await app.screenshot('activations-chosen-filter');

    await row(pins.indices[0]!).click({ position: mapPoint('conv1', 2, 5, 5) });
    await expect.poll(() => attr('activation-rows', 'data-chosen')).toBe('conv1:2');
    expect(await attr('filter-highlight', 'data-filter')).toBe('2');
  });

  it('pins a test image by its index: a new row, kept for the run', async () => {
    await app.page.getByTestId('pin-index').fill('123');
    await app.page.getByTestId('pin-button').click();
    await rows().locator('li[data-index="123"]').waitFor();
    expect(((await app.call('activations.pins', { runId: run.id })) as PinnedInputs).indices).toContain(123);
    await app.page.getByTestId('pin-index').fill('999999');
    await app.page.getByTestId('pin-button').click();
    await expect.poll(() => text('pin-error')).toMatch(/no test image 999999/);
    expect(((await app.call('activations.pins', { runId: run.id })) as PinnedInputs).indices).toHaveLength(11);
    // The field keeps the keys while it has the focus; the player gets them back after.
    await app.page.getByTestId('pin-index').blur();
  });

  it('in diff mode shows the change since the previous snapshot, on its own fixed scale', async () => {
    await app.page.keyboard.press('End');
    const last = run.snapshots.at(-1)!.seq;
    await expect.poll(() => attr('activation-rows', 'data-seq')).toBe(String(last));
    await app.page.getByTestId('diff-prev').click();
    const diff = await mapsAt(last, 'prev');
    await expect.poll(() => attr('map-legend-conv1', 'data-max')).toBe(String(diff.scale.conv1));
    const k = diff.indices.indexOf(123);
    await row(123).hover({ position: mapPoint('pool1', 9, 4, 6) });
    await expect.poll(() => attr('activation-readout', 'data-value')).toBe(String(diff.maps.pool1.data[k * 12 * 12 * 20 + (4 * 12 + 6) * 20 + 9]));
    await app.screenshot('activations-diff');
    await app.page.getByTestId('diff-none').click();
  });

  it('shows per-class accuracy and the confusion matrix of the shown snapshot, whose diagonal is its test accuracy', async () => {
    const panel = app.page.getByTestId('class-learning');
    await panel.scrollIntoViewIfNeeded();
    const last = run.snapshots.at(-1)!;
    expect(await attr('activation-rows', 'data-seq')).toBe(String(last.seq));
    await expect.poll(() => attr('confusion', 'data-correct')).not.toBeNull();
    expect(Number(await attr('confusion', 'data-correct')) / 200).toBe(last.metrics.testAccuracy);
    expect(await panel.getByTestId('class-accuracy').locator('.u-legend').textContent()).toContain('Ankle boot');
    // Choosing an input outlines its cell: its true class, its prediction.
    const pins = (await app.call('activations.pins', { runId: run.id })) as PinnedInputs;
    await rows().locator(`li[data-index="${pins.indices[3]}"] .info`).click();
    await expect.poll(() => attr('confusion', 'data-highlight')).toMatch(new RegExp(`^${pins.labels[3]},\\d+$`));
    await app.page.getByTestId('mistakes').locator('li').first().waitFor();
    await panel.screenshot({ path: join(appRoot, 'test-results', 'screenshots', 'class-learning.png') });
  });

  it('pins an image from the mistakes list with one click', async () => {
    const first = app.page.getByTestId('mistakes').locator('li').first();
    const index = Number(await first.getAttribute('data-index'));
    await first.getByTestId('pin-mistake').click();
    await rows().locator(`li[data-index="${index}"]`).waitFor();
    expect(await first.getByTestId('pin-mistake').textContent()).toContain('pinned');
  });

  it('pins a test image from the data sets page in a run of that data set', async () => {
    await app.page.getByRole('link', { name: 'Data sets' }).click();
    const grid = app.page.getByTestId('dataset-detail').locator('canvas').first();
    await grid.waitFor();
    // The third sample of class 4 (rows are classes, 28 + 1 cells each, drawn at 2×).
    await grid.click({ position: { x: (2 * 29 + 14) * 2, y: (4 * 29 + 14) * 2 } });
    const pinning = app.page.getByTestId('pin-to-run');
    const index = Number(await pinning.getAttribute('data-index'));
    const samples = await app.call('datasets.samples', { id: run.datasetId!, perClass: 10 });
    expect(index).toBe(samples.indices[samples.labels.map((l, i) => (l === 4 ? i : -1)).filter((i) => i >= 0)[2]!]);
    const before = (await app.call('activations.pins', { runId: frozen.id })) as PinnedInputs;
    await app.page.getByTestId('pin-run').selectOption(String(frozen.id));
    await app.page.getByTestId('pin-in-run').click();
    await expect.poll(() => pinning.getByRole('status').textContent()).toContain(`pinned in run #${frozen.id}`);
    expect(((await app.call('activations.pins', { runId: frozen.id })) as PinnedInputs).indices).toEqual([...before.indices, index]);
    await app.screenshot('datasets-pin');
  });

  it('shows the same test image through the compared runs: the frozen run’s conv1 maps never change', async () => {
    await app.goto(`#/compare?runs=${run.id},${frozen.id}`);
    const panel = app.page.getByTestId('compare-activations');
    const rowsOf = panel.getByTestId('compare-activation-row');
    await rowsOf.nth(1).waitFor();
    await app.page.keyboard.press('Home');
    // Both rows drawn from each run's first snapshot (the rows say which snapshot they show).
    await expect.poll(() => panel.locator('li[data-run-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-seq')))).toEqual(['0', '0']);
    const start = await Promise.all([0, 1].map((k) => canvasBytes(rowsOf.nth(k))));
    // Same seed: both runs start from the same weights, so the same maps.
    expect(start[1]).toBe(start[0]);
    await app.page.keyboard.press('End');
    await expect.poll(() => canvasBytes(rowsOf.nth(0))).not.toBe(start[0]);
    // conv1 and pool1 of the frozen run are where they were; its probabilities moved (fc1 and fc2 trained).
    const input = Number(await app.page.getByTestId('compare-input').inputValue());
    const [first, last] = await Promise.all([0, frozen.snapshots.at(-1)!.seq].map((seq) => app.call('activations.maps', { runId: frozen.id, seq, inputs: [input] })));
    expect(last!.maps.conv1.data).toEqual(first!.maps.conv1.data);
    expect(last!.probabilities).not.toEqual(first!.probabilities);
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: join(appRoot, 'test-results', 'screenshots', 'compare-activations.png') });
  });

  it('exports one input’s activation view as a GIF, one frame per snapshot', async () => {
    await app.goto(`#/run/${run.id}`);
    await expect.poll(() => attr('activation-rows', 'data-loaded')).toBe('all');
    const saved = await app.exportedGif(() => app.page.getByTestId('export-activation-gif').click());
    expect(saved.name).toMatch(/-activations-\d+\.gif$/);
    const gif = new GifReader(saved.bytes);
    expect(gif.numFrames()).toBe(run.snapshots.length);
    expect(app.errors).toEqual([]);
  });
});
