/**
 * The compare view end to end, on each host: the study's freeze experiment started from the data sets
 * page on a small subset of the bundled sample (two real runs, trained by the app's trainer), then compared. Checks
 * the numbers on the page against the stored weights and metrics fetched through the API.
 */
import type { Locator } from 'playwright-core';
import { GifReader } from 'omggif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENSOR_NAMES, type RunDetail } from '../../src-preload/api.ts';
import { formatValue } from '../../src-main/shared/render/frame.ts';
import { HOST, maxAbs, openApp, type OpenApp } from './harness.ts';

let app: OpenApp;
let trained: RunDetail;
let frozen: RunDetail;


const column = (k: number) => app.page.getByTestId('compare-column').nth(k);
/** The pixels a column's canvas shows, as a data URL (equal URLs: equal pictures). */
// (The Node project has no DOM types: the canvas is typed by the one method used.)
const pixels = (c: Locator) => c.locator('canvas').evaluate((el) => (el as unknown as { toDataURL(): string }).toDataURL());
const epochs = async () => [await column(0).getAttribute('data-epoch'), await column(1).getAttribute('data-epoch')];

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1440, height: 900 } });
});

afterAll(async () => {
  await app?.close();
});

describe(`the freeze experiment and the compare view (${HOST} host)`, () => {
  it('offers, on an empty database, a first run on the sample and the study’s experiment on MNIST, one click each', async () => {
    const offer = app.page.getByTestId('first-start');
    await offer.waitFor();
    await expect.poll(() => app.page.getByTestId('first-experiment').isEnabled()).toBe(true);
    expect(await app.page.getByTestId('first-run').isEnabled()).toBe(true);
    await app.screenshot('first-start');
    await app.page.getByTestId('first-experiment').click();
    await expect.poll(() => app.page.url()).toMatch(/#\/compare\?runs=\d+(%2C|,)\d+/);
    const started = await Promise.all((await app.call('runs.list', {})).map((r) => app.call('runs.get', { id: r.id })));
    expect(started.map((r) => [r.datasetName, r.config.epochs, r.config.freeze.join()]).sort()).toEqual([
      ['MNIST sample', 10, ''],
      ['MNIST sample', 10, 'conv1,conv2'],
    ]);
    // Only the offers are tested here: their runs go, and the experiment below starts on a small subset.
    const remove = async (runs: RunDetail[]) => {
      for (const run of runs) {
        if ((await app.call('runs.get', { id: run.id })).status === 'running') await app.call('runs.stop', { id: run.id });
        // Removable once its trainer has gone.
        await expect.poll(() => app.call('runs.remove', { id: run.id }).then(() => true, () => false)).toBe(true);
      }
    };
    await remove(started);
    await app.goto('#/runs');
    await app.page.getByTestId('first-run').click();
    await expect.poll(() => app.page.url()).toMatch(/#\/run\/\d+/);
    const first = await app.call('runs.get', { id: Number(/#\/run\/(\d+)/.exec(app.page.url())![1]) });
    expect([first.name, first.datasetName, first.config.epochs]).toEqual(['first run', 'Fashion-MNIST sample', 10]);
    await remove([first]);
    expect(await app.call('runs.list', {})).toEqual([]);
  });

  it('starts the freeze experiment from the data sets page and opens both runs in the compare view', async () => {
    await app.goto('#/datasets');
    await app.page.getByTestId('freeze-experiment').click();
    const form = app.page.getByTestId('freeze-form');
    await form.locator('input[name="epochs"]').fill('2');
    await form.locator('input[name="trainLimit"]').fill('300');
    await form.locator('input[name="testLimit"]').fill('100');
    await form.locator('input[name="seed"]').fill('7');
    await app.screenshot('compare-freeze-form');
    await form.getByRole('button', { name: 'Start both runs' }).click();

    // Starting asks a trainer process which backend trains first (unless it already answered for this geometry).
    await expect.poll(() => app.page.url()).toMatch(/#\/compare\?runs=\d+(%2C|,)\d+/);
    const listed = await app.call('runs.list', {});
    expect(listed).toHaveLength(2);
    // The view fills in while they train: the trained run first, the queued frozen one when it starts.
    await expect.poll(() => app.page.getByTestId('compare-column').count()).toBeGreaterThan(0);
    await app.screenshot('compare-training');
    // The frozen run trains after the trained one: both are done within a few minutes on two cores.
    await expect
      .poll(async () => (await app.call('runs.list', {})).map((r) => r.status).join(), { interval: 1000 })
      .toBe('done,done');
    const runs = await Promise.all(listed.map((r) => app.call('runs.get', { id: r.id })));
    trained = runs.find((r) => r.config.freeze.length === 0)!;
    frozen = runs.find((r) => r.config.freeze.join() === 'conv1,conv2')!;
    expect(trained.config.seed).toBe(7);
    expect(frozen.config.seed).toBe(7);
    expect(app.page.url()).toContain(`runs=${trained.id}%2C${frozen.id}`);
    await expect.poll(() => app.page.getByTestId('compare-column').count()).toBe(2);
    expect(await app.page.getByRole('alert').count()).toBe(0);
  });

  it('stores identical initial weights in both runs, and leaves the frozen layers untouched', async () => {
    const last = frozen.snapshots.at(-1)!.seq;
    for (const tensor of TENSOR_NAMES) {
      const a = await app.call('weights.get', { runId: trained.id, tensor, seq: 0 });
      const b = await app.call('weights.get', { runId: frozen.id, tensor, seq: 0 });
      expect(b.data, `${tensor} at epoch 0`).toEqual(a.data);
      const end = await app.call('weights.get', { runId: frozen.id, tensor, seq: last });
      if (tensor.startsWith('conv')) expect(end.data, `frozen ${tensor}`).toEqual(b.data);
      else expect(end.data, `trained ${tensor} of the frozen run`).not.toEqual(b.data);
    }
    const moved = await app.call('weights.get', { runId: trained.id, tensor: 'conv1/kernel', seq: trained.snapshots.at(-1)!.seq });
    expect(moved.data).not.toEqual((await app.call('weights.get', { runId: trained.id, tensor: 'conv1/kernel', seq: 0 })).data);
  });

  it('shows the freeze-experiment table with each run’s test accuracy, the gap and the change since init', async () => {
    const table = app.page.getByTestId('outcome-table');
    await expect.poll(() => table.locator('h2').textContent()).toBe('Freeze experiment');
    const acc = (r: RunDetail) => r.snapshots.at(-1)!.metrics.testAccuracy!;
    const row = (r: RunDetail) => table.locator(`tr[data-run-id="${r.id}"]`);
    await expect.poll(() => row(trained).getByTestId('outcome-accuracy').textContent()).toBe(`${(acc(trained) * 100).toFixed(2)}%`);
    expect(await row(frozen).getByTestId('outcome-accuracy').textContent()).toBe(`${(acc(frozen) * 100).toFixed(2)}%`);
    const gap = acc(trained) - acc(frozen);
    expect(await row(frozen).getByTestId('outcome-gap').textContent()).toBe(`${gap >= 0 ? '' : '−'}${Math.abs(gap * 100).toFixed(2)} pt`);
    const metrics = await app.call('metrics.get', { runId: trained.id });
    const change = metrics.at(-1)!.layers.conv1.relChangeInit;
    expect(await row(trained).getByTestId('outcome-change-conv1').textContent()).toBe(`${(change * 100).toFixed(2)}%`);
    expect(await row(frozen).getByTestId('outcome-change-conv1').textContent()).toBe('0.00%');
  });

  it('puts both runs on one colour scale: the legend is max |w| over both conv1 series', async () => {
    const a = await app.call('weights.series', { runId: trained.id, tensor: 'conv1/kernel' });
    const b = await app.call('weights.series', { runId: frozen.id, tensor: 'conv1/kernel' });
    const legend = app.page.getByTestId('legend').first();
    const max = Math.max(maxAbs(a.data), maxAbs(b.data));
    await expect.poll(() => legend.getAttribute('data-max')).toBe(String(max));
    expect(await legend.getByTestId('legend-max').textContent()).toBe(formatValue(max));
    expect(await app.page.getByTestId('compare-column').count()).toBe(2);
    await expect.poll(() => app.page.getByTestId('diff-column').count()).toBe(1);
    await app.screenshot('compare-conv1');
  });

  it('drives both grids with one scrubber', async () => {
    const last = String(trained.snapshots.at(-1)!.epoch);
    await app.page.keyboard.press('End');
    await expect.poll(epochs).toEqual([last, last]);
    const trainedEnd = await pixels(column(0));
    const frozenEnd = await pixels(column(1));

    await app.page.keyboard.press('Home');
    await expect.poll(epochs).toEqual(['0', '0']);
    expect(await app.page.getByTestId('epoch-label').textContent()).toMatch(/epoch\s*0\/2/);
    // Same initial weights on the same scale: the same picture; later the trained run's conv1 moves, the frozen one's not.
    const trainedStart = await pixels(column(0));
    expect(await pixels(column(1))).toBe(trainedStart);
    expect(trainedEnd).not.toBe(trainedStart);
    expect(frozenEnd).toBe(trainedStart);

    // fc2 trains in both runs: both pictures change as the scrubber moves.
    await app.page.getByTestId('layer-fc2').click();
    await expect.poll(() => column(0).getAttribute('data-epoch')).toBe('0');
    const before = [await pixels(column(0)), await pixels(column(1))];
    await app.page.getByTestId('epoch-slider').fill('1');
    await expect.poll(epochs).toEqual(['1', '1']);
    const after = [await pixels(column(0)), await pixels(column(1))];
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    await app.screenshot('compare-fc2');
  });

  it('keeps the runs, layer and epoch in the URL, so a reload restores them', async () => {
    await expect.poll(() => app.page.url()).toContain('layer=fc2');
    await expect.poll(() => app.page.url()).toContain('epoch=1');
    await app.page.reload();
    await expect.poll(epochs).toEqual(['1', '1']);
    expect(await app.page.getByTestId('layer-fc2').getAttribute('aria-selected')).toBe('true');
    expect(await column(0).getAttribute('data-run-id')).toBe(String(trained.id));
  });

  it('exports the compare view as a GIF with one frame per epoch', async () => {
    const saved = await app.exportedGif(() => app.page.getByTestId('export-gif').click());
    expect(saved.name).toBe(`compare-${trained.id}-${frozen.id}-fc2.gif`);
    const gif = new GifReader(saved.bytes);
    expect(gif.numFrames()).toBe(trained.snapshots.length);
  });

  it('opens the comparison from the run list and from a run’s “compare with…”', async () => {
    await app.goto('#/runs');
    await app.page.locator(`tr[data-run-id="${frozen.id}"] input.pick`).check();
    await app.page.locator(`tr[data-run-id="${trained.id}"] input.pick`).check();
    await app.page.getByTestId('compare-picked').click();
    await expect.poll(() => app.page.url()).toContain(`runs=${frozen.id}%2C${trained.id}`);
    await expect.poll(() => column(0).getAttribute('data-run-id')).toBe(String(frozen.id));

    await app.goto(`#/run/${trained.id}`);
    await app.screenshot('compare-with');
    await app.page.getByTestId('compare-with').selectOption(String(frozen.id));
    await expect.poll(() => app.page.url()).toContain(`runs=${trained.id}%2C${frozen.id}`);
    await expect.poll(() => app.page.getByTestId('compare-column').count()).toBe(2);
    expect(app.errors).toEqual([]);
  });
});
