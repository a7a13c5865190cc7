/**
 * The run page's layer analyses, on each host: a tiny run trained by the CLI (so stored without its
 * analyses) is analysed once its page shows the panel; the heat strip's pixels are the API's CKA to the final
 * snapshot in the page's colour map, "settled at" is the API's at the threshold chosen on the page, and a
 * layer's row, chosen from the keyboard, opens that layer's snapshot × snapshot matrix, pixel for pixel;
 * the probe-set size comes from the page's URL. Then, on a tiny freeze experiment: the rewind map (linked
 * to from the compare view) is the API's, cell for cell, its final column the run's final accuracy; the
 * accuracy chart says what the pixel regression scored; and the compare view's layer × layer matrix of
 * the frozen run against the trained run's start is the API's, with CKA 1 for the frozen conv layers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_LAYERS, type RewindMap, type RunDetail } from '../../src-preload/api.ts';
import { BACKGROUND, levelOf, palette, type ColormapName } from '../../src-main/shared/render/palette.ts';
import { until } from '../helpers.ts';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;
let run: RunDetail;
/** A small probe set, chosen in the page's URL as a person's link would: the default 1,000 images cost CI ten times the time. */
const PROBES = 100;

/** The RGBA the page must show for each CKA value (dark theme): the map's positive half, the background where none. */
function expectedPixels(values: ArrayLike<number | null>, colormap: ColormapName): number[] {
  const rgba = palette(colormap).rgba;
  return Array.from(values).flatMap((v) => {
    const i = v === null || Number.isNaN(v) ? BACKGROUND : levelOf(v, 1);
    return Array.from(rgba.subarray(i * 4, i * 4 + 4));
  });
}
/** The pixels of the canvas inside the element with `testId`. */
const pixelsOf = (testId: string) =>
  app.page.getByTestId(testId).locator('canvas').evaluate((c) => {
    const canvas = c as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
    return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data);
  });

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1440, height: 900 } });
  trainWithCli(app, ['--epochs', '1', '--train-limit', '100', '--test-limit', '100', '--snapshots-per-epoch', '2']);
  const [summary] = await app.call('runs.list', {});
  run = await app.call('runs.get', { id: summary!.id });
});

afterAll(async () => {
  await app?.close();
});

describe(`the layer analyses on the run page (${HOST} host)`, () => {
  it('draws the API’s CKA to the final snapshot and its “settled at”, and opens a layer’s matrix from the keyboard', async () => {
    await app.goto(`#/run/${run.id}?probes=${PROBES}`);
    // The panel asks for the analyses once it is in view; this run was stored without them.
    await app.page.getByTestId('layer-similarity').scrollIntoViewIfNeeded();
    const strip = await until('the run’s layers to be analysed', async () => {
      const s = await app.call('analyses.layers', { runId: run.id, probes: PROBES });
      return s.analysed === run.snapshots.length && s;
    });
    await expect.poll(() => app.page.getByTestId('analysis-progress').textContent()).toBe('');
    expect(await app.page.getByTestId('probe-count').inputValue()).toBe(String(PROBES));
    const colormap = (await app.page.getByTestId('colormap').inputValue()) as ColormapName;
    for (const [l, layer] of PROBE_LAYERS.entries()) {
      await expect.poll(() => pixelsOf(`cka-row-${layer}`), { message: layer }).toEqual(expectedPixels(strip.toFinal[l]!, colormap));
      const settled = strip.settledAt[l]!;
      expect(await app.page.getByTestId(`cka-row-${layer}`).getAttribute('data-settled')).toBe(String(settled));
      const epoch = strip.epochs[strip.seqs.indexOf(settled)]!;
      expect(await app.page.getByTestId(`cka-row-${layer}`).getByTestId('settled-at').textContent()).toMatch(new RegExp(`^settled at epoch ${epoch}(\\.\\d+)?$`));
    }
    // Not a blank strip: the logits moved (their first cell is below 1).
    expect(strip.toFinal[PROBE_LAYERS.indexOf('logits')]![0]!).toBeLessThan(0.999);

    // A threshold of 1: every layer settles only at the last snapshot, as the API says.
    await app.page.getByTestId('settle-threshold').fill('1');
    const strict = await app.call('analyses.layers', { runId: run.id, probes: PROBES, threshold: 1 });
    for (const [l, layer] of PROBE_LAYERS.entries()) {
      await expect.poll(() => app.page.getByTestId(`cka-row-${layer}`).getAttribute('data-settled')).toBe(String(strict.settledAt[l]));
    }
    await app.page.getByTestId('settle-threshold').fill('0.9');

    await app.page.getByTestId('cka-row-conv2').focus();
    await app.page.keyboard.press('Enter');
    await expect.poll(() => app.page.getByTestId('cka-matrix').getAttribute('data-layer')).toBe('conv2');
    const { matrix } = await app.call('analyses.similarity', { runId: run.id, layer: 'conv2', probes: PROBES });
    await expect.poll(() => pixelsOf('cka-matrix')).toEqual(expectedPixels(matrix, colormap));
    await app.screenshot('run-layers');
    await app.page.emulateMedia({ colorScheme: 'light' });
    await app.screenshot('run-layers-light');
    expect(app.errors).toEqual([]);
  });
});

describe(`the rewind map, the linear share and the compare view’s layers (${HOST} host)`, () => {
  it('draws the API’s rewind map and regression, and the frozen run’s layers against the trained run’s start', async () => {
    const { trained, frozen } = trainWithCli(app, ['--experiment', 'freeze-conv', '--epochs', '1', '--train-limit', '100', '--test-limit', '100']) as Record<'trained' | 'frozen', { id: number }>;
    // As the compare view links to it: the panel brought into view asks for the map.
    await app.goto(`#/run/${frozen.id}?probes=${PROBES}&show=rewind`);
    const map = await until('the rewind map to be analysed', async () => {
      const m = await app.call('analyses.rewind', { runId: frozen.id });
      return m.analysed === m.total && m;
    });
    await expect.poll(() => app.page.getByTestId('rewind-progress').textContent()).toBe('');
    const colormap = (await app.page.getByTestId('colormap').inputValue()) as ColormapName;
    await expect.poll(() => pixelsOf('layer-rewind')).toEqual(rewindPixels(map, colormap));
    const finalAccuracy = (await app.call('runs.get', { id: frozen.id })).snapshots.at(-1)!.metrics.testAccuracy!;
    for (const row of map.accuracy) expect(row.at(-1)).toBe(finalAccuracy);
    const conv1 = app.page.getByTestId('rewind-table').locator('tr[data-layer="conv1"] td');
    expect(await conv1.allTextContents()).toEqual(['conv1', `${(100 * map.accuracy[0]![0]!).toFixed(1)}%`, `${(100 * map.reinit[0]!).toFixed(1)}%`]);
    expect(await app.page.getByTestId('rewind-chance').getAttribute('style')).toContain('left: 10%');
    await app.screenshot('run-rewind');

    await app.page.getByTestId('charts').scrollIntoViewIfNeeded();
    const linear = await until('the linear share to be analysed', async () => {
      const l = await app.call('analyses.linear', { runId: frozen.id });
      return l.analysed === l.total && l.regression && l;
    });
    await expect.poll(() => app.page.getByTestId('linear-share-note').textContent()).toContain(`(${(100 * linear.regression!.accuracy).toFixed(1)}%)`);
    await app.screenshot('run-linear-share');

    await app.goto(`#/compare?runs=${frozen.id},${trained.id}&probes=${PROBES}`);
    await app.page.getByTestId('compare-layers').scrollIntoViewIfNeeded();
    await app.page.getByTestId('cross-against').selectOption('first');
    const cross = await app.call('analyses.cross', { a: { runId: frozen.id, seq: 1 }, b: { runId: trained.id, seq: 0 }, probes: PROBES });
    await expect.poll(() => app.page.getByTestId('cross-matrix').getAttribute('data-seq-b')).toBe('0');
    for (const layer of ['conv1', 'conv2']) {
      const shown = Number(await app.page.getByTestId(`cross-${layer}-${layer}`).getAttribute('data-value'));
      expect(shown).toBe(cross.matrix[PROBE_LAYERS.indexOf(layer as 'conv1') * (PROBE_LAYERS.length + 1)]);
      expect(shown).toBeCloseTo(1, 6);
    }
    expect(await app.page.getByTestId('rewind-link').first().getAttribute('href')).toBe(`#/run/${frozen.id}?show=rewind`);
    await app.screenshot('compare-layers');
    expect(app.errors).toEqual([]);
  });
});

/** The rewind map as the page must draw it: each layer's snapshots, a cleared gap, the re-initialised cell. */
function rewindPixels(map: RewindMap, colormap: ColormapName): number[] {
  return map.layers.flatMap((_, l) => [...expectedPixels(map.accuracy[l]!, colormap), 0, 0, 0, 0, ...expectedPixels([map.reinit[l]!], colormap)]);
}
