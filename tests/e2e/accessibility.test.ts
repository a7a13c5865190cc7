/**
 * Accessibility, on each host: axe-core finds no violation on any page, in the dark and the light theme (the first start on an empty
 * database, the runs list, the new-run form, a run, the compare view, the data sets), and the filter grid
 * and the activation maps are read from the keyboard. The page's CSP forbids injected scripts: Playwright's evaluate, which
 * AxeBuilder uses, is not subject to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-preload/api.ts';
import { axeViolations } from './axe.ts';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;

/** axe's violations on the page as it is now, in both themes (tests/e2e/axe.ts). */
const violations = () => axeViolations(app.page);

let runs: RunSummary[];

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1280, height: 800 } });
});

afterAll(async () => {
  await app?.close();
});

describe(`accessibility (${HOST} host)`, () => {
  it('has no axe violation on the first start (an empty database)', async () => {
    await app.goto('#/runs');
    await app.page.getByTestId('first-start').waitFor();
    expect(await violations()).toEqual([]);
  });

  it('has no axe violation on the data sets page', async () => {
    await app.goto('#/datasets');
    await app.page.getByTestId('dataset-detail').waitFor();
    expect(await violations()).toEqual([]);
  });

  it('has no axe violation on the runs list and the new-run form', async () => {
    // The study's freeze experiment, tiny: a run and its frozen twin.
    trainWithCli(app, ['--experiment', 'freeze-conv', '--epochs', '1', '--train-limit', '200', '--test-limit', '100']);
    runs = await app.call('runs.list', {});
    expect(runs).toHaveLength(2);
    await app.goto('#/runs');
    await app.page.reload();
    await app.page.locator(`tr[data-run-id="${runs[0]!.id}"]`).waitFor();
    expect(await violations()).toEqual([]);
    await app.page.getByRole('button', { name: 'New run' }).click();
    await app.page.getByTestId('new-run').waitFor();
    expect(await violations()).toEqual([]);
  });

  it('has no axe violation on a run page (its weights, activations, classes, mistakes, layer analyses and data map), on a conv and a dense layer', async () => {
    // (100 probe images for the layer analyses: the page's smallest choice, as the check is of the page, not of the numbers.)
    await app.goto(`#/run/${runs[0]!.id}?probes=100`);
    await app.page.getByTestId('weights').waitFor();
    await expect.poll(() => app.page.getByTestId('activation-rows').getAttribute('data-loaded')).toBe('all');
    await app.page.getByTestId('mistakes').locator('li').first().waitFor();
    // The layer analyses' strip is drawn once its panel is in view.
    await app.page.getByTestId('layer-similarity').scrollIntoViewIfNeeded();
    await app.page.getByTestId('cka-row-conv1').waitFor();
    // And the rewind map beside it, with its table.
    await app.page.getByTestId('layer-rewind').scrollIntoViewIfNeeded();
    await app.page.getByTestId('rewind-table').waitFor();
    // The data map of the example ledger, with its gallery of the never learned open.
    await app.page.getByTestId('data-map').scrollIntoViewIfNeeded();
    await app.page.getByTestId('gallery-never').click();
    await app.page.getByTestId('examples-picked').locator('li').first().waitFor();
    expect(await violations()).toEqual([]);
    await app.page.getByRole('tab', { name: 'fc2' }).click();
    await expect.poll(() => app.page.getByRole('tab', { name: 'fc2' }).getAttribute('aria-selected')).toBe('true');
    expect(await violations()).toEqual([]);
  });

  it('chooses the layer with the arrow keys on its tabs, and reads the weights with the arrow keys on the picture', async () => {
    const tab = (name: string) => app.page.getByRole('tab', { name });
    await tab('fc2').focus();
    await app.page.keyboard.press('Home');
    await expect.poll(() => tab('conv1').getAttribute('aria-selected')).toBe('true');
    expect(await app.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('conv1');
    await app.page.keyboard.press('ArrowRight');
    await expect.poll(() => tab('conv2').getAttribute('aria-selected')).toBe('true');
    await app.page.keyboard.press('ArrowLeft');
    await expect.poll(() => tab('conv1').getAttribute('aria-selected')).toBe('true');

    // conv1's first filter at the shown (last) snapshot: its kernel is [5, 5, 1, 20], filter f's (r, c) at (r·5 + c)·20 + f.
    const run = await app.call('runs.get', { id: runs[0]!.id });
    const kernel = await app.call('weights.get', { runId: run.id, tensor: 'conv1/kernel', seq: run.snapshots.at(-1)!.seq });
    const snapshotBefore = await app.page.getByTestId('weights').getAttribute('data-seq');
    await app.page.getByTestId('weights').focus();
    const readout = app.page.getByTestId('hover-readout');
    expect(await readout.getAttribute('aria-live')).toBe('polite');
    await expect.poll(() => readout.getAttribute('data-value')).toBe(String(kernel.data[0]));
    await app.page.keyboard.press('ArrowRight');
    await expect.poll(() => readout.getAttribute('data-value')).toBe(String(kernel.data[20]));
    await app.page.keyboard.press('ArrowDown');
    await expect.poll(() => readout.getAttribute('data-value')).toBe(String(kernel.data[(5 + 1) * 20]));
    expect(await readout.textContent()).toContain('row 1, col 1');
    // The arrows moved the cursor, not the player.
    expect(await app.page.getByTestId('weights').getAttribute('data-seq')).toBe(snapshotBefore);
    await app.page.getByTestId('weights-cursor').waitFor();
    await app.screenshot('keyboard-cursor');
    await app.page.keyboard.press('Enter');
    await app.page.getByRole('dialog').waitFor();
    expect(await violations()).toEqual([]);
    await app.page.keyboard.press('Escape');
  });

  it('reads the activation maps with the arrow keys, the value announced', async () => {
    const seq = Number(await app.page.getByTestId('activation-rows').getAttribute('data-seq'));
    const maps = await app.call('activations.maps', { runId: runs[0]!.id, seq });
    const first = app.page.getByTestId('activation-rows').locator(`li[data-index="${maps.indices[0]}"]`).getByTestId('activation-row');
    const readout = app.page.getByTestId('activation-readout');
    expect(await readout.getAttribute('aria-live')).toBe('polite');
    await first.focus();
    await expect.poll(() => readout.textContent()).toContain(`test image #${maps.indices[0]}`);
    // From the first cell (the input image's pixels) along the row into conv1's first map.
    for (let i = 0; i < 60 && !/conv1 map/.test((await readout.textContent()) ?? ''); i++) await app.page.keyboard.press('ArrowRight');
    const [ch, r, c] = /conv1 map (\d+) · row (\d+), col (\d+)/.exec((await readout.textContent()) ?? '')!.slice(1).map(Number) as [number, number, number];
    // conv1's maps of a 28×28 input: [inputs, 24, 24, 20], this input first.
    expect(await readout.getAttribute('data-value')).toBe(String(maps.maps.conv1.data[(r * 24 + c) * 20 + ch]));
    await app.page.keyboard.press('ArrowDown');
    await expect.poll(() => readout.getAttribute('data-value')).toBe(String(maps.maps.conv1.data[((r + 1) * 24 + c) * 20 + ch]));
  });

  it('has no axe violation on the compare view', async () => {
    await app.goto(`#/compare?runs=${runs.map((r) => r.id).join(',')}&probes=100`);
    await expect.poll(() => app.page.getByTestId('compare-column').count()).toBe(2);
    // The layers' panel with its strips and the two runs' layer × layer matrix.
    await app.page.getByTestId('compare-layers').scrollIntoViewIfNeeded();
    await app.page.getByTestId('cross-matrix').waitFor();
    expect(await violations()).toEqual([]);
    expect(app.errors).toEqual([]);
  });
});
