/**
 * The run page's layer analyses, on each host: a tiny run trained by the CLI (so stored without its
 * analyses) is analysed once its page shows the panel; the heat strip's pixels are the API's CKA to the final
 * snapshot in the page's colour map, "settled at" is the API's at the threshold chosen on the page, and a
 * layer's row, chosen from the keyboard, opens that layer's snapshot × snapshot matrix, pixel for pixel;
 * the probe-set size comes from the page's URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_LAYERS, type RunDetail } from '../../src-preload/api.ts';
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
