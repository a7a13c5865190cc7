/**
 * A filter's biography on the run page, on each host: a tiny run trained by the CLI; a conv2 filter opened
 * large shows its top-9 test images, the API's, best first, cropped to its receptive field, and a strip over
 * the snapshots that the player's position follows; asked for, the optimised inputs (8 steps, from the
 * page's URL, to stay cheap) appear for every snapshot; axe finds nothing in the dialog, dark or light.
 * Then conv2's grid shows what its filters respond to (key r): each filter's optimised input, the API's
 * bytes on the view's 125 grey levels, following the player; its GIF holds those pixels in every frame, and
 * `weightlapse export-gif --view featurevis` writes the same frames.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { GifReader } from 'omggif';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { appRoot } from '../../src-main/core/paths.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../src-preload/api.ts';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';
import { SCREENSHOT_DIR } from './hosts/chromium.ts';

let app: OpenApp;
let run: RunDetail;
const STEPS = 8;

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1440, height: 1000 } });
  trainWithCli(app, ['--epochs', '1', '--train-limit', '100', '--test-limit', '50']);
  const [summary] = await app.call('runs.list', {});
  run = await app.call('runs.get', { id: summary!.id });
});

afterAll(async () => {
  await app?.close();
});

describe(`a filter's biography (${HOST} host)`, () => {
  it('shows the API’s top-9 and, asked for, the optimised inputs over the snapshots', async () => {
    await app.goto(`#/run/${run.id}?layer=conv2&steps=${STEPS}`);
    await app.page.getByTestId('weights').click({ position: { x: 20, y: 20 } });
    const dialog = app.page.getByTestId('filter-detail');
    const bio = dialog.getByTestId('filter-biography');
    await bio.waitFor();
    const filter = Number(/filter (\d+)/.exec((await dialog.locator('h2').textContent())!)![1]);
    await expect.poll(() => bio.locator('ol.top li').count()).toBe(9);
    const api = await app.call('analyses.filters', { runId: run.id, layer: 'conv2', what: ['top9'], steps: STEPS });
    const last = run.snapshots.length - 1;
    const shown = await bio.locator('ol.top li').evaluateAll((items) => items.map((li) => Number(/test image (\d+)/.exec(li.getAttribute('title') ?? '')![1])));
    expect(shown).toEqual(api.top[last]![filter]!.indices);
    expect(await bio.locator('.strip .frame').count()).toBe(run.snapshots.length);
    expect(await bio.locator('.strip .frame.current').getAttribute('aria-label')).toMatch(/^epoch 1/);

    await bio.getByTestId('bio-optimise').click();
    await expect.poll(() => bio.locator('figure.vis').count()).toBe(1);
    await expect.poll(() => bio.getByTestId('bio-waiting').count()).toBe(0);
    expect(await bio.locator('.strip .frame canvas').count()).toBe(2 * run.snapshots.length);
    await bio.scrollIntoViewIfNeeded();
    await app.screenshot('filter-biography');
    await dialog.screenshot({ path: join(SCREENSHOT_DIR, `${HOST === 'browser' ? '' : `${HOST}-`}filter-biography-dialog.png`) });

    for (const scheme of ['dark', 'light'] as const) {
      await app.page.emulateMedia({ colorScheme: scheme });
      const result = await new AxeBuilder({ page: app.page }).include('[data-testid="filter-detail"]').analyze();
      expect(result.violations.map((v) => `${scheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
    }
    await app.page.emulateMedia({ colorScheme: 'dark' });
  }, 300_000); // two snapshots' optimised inputs: seconds of CPU, minutes on a loaded machine
});

/** A canvas's RGBA pixels. */
const canvasPixels = (canvas: Locator) =>
  canvas.evaluate((c: HTMLCanvasElement) => ({ width: c.width, height: c.height, data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) }));

/** Where filter u's 28×28 image starts in the grid: ten to a row, 2-pixel gaps. */
const corner = (u: number) => [2 + (u % 10) * 30, 2 + Math.floor(u / 10) * 30] as const;

/** The largest |grey on the canvas − the API's byte| over every filter's image (the view has 125 grey levels: ≤ 255/124/2). */
function worstPixel(grid: { width: number; data: number[] }, images: Uint8Array[]): number {
  let worst = 0;
  images.forEach((image, u) => {
    const [cx, cy] = corner(u);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) worst = Math.max(worst, Math.abs(grid.data[((cy + y) * grid.width + cx + x) * 4]! - image[y * 28 + x]!));
  });
  return worst;
}

/** Every frame of a GIF as RGBA. */
function gifFrames(bytes: Uint8Array): { width: number; height: number; frames: Uint8Array[] } {
  const gif = new GifReader(bytes);
  const frames = Array.from({ length: gif.numFrames() }, (_, i) => {
    const rgba = new Uint8Array(gif.width * gif.height * 4);
    gif.decodeAndBlitFrameRGBA(i, rgba);
    return rgba;
  });
  return { width: gif.width, height: gif.height, frames };
}

/** Whether the grid (at 2 frame pixels per canvas pixel) lies in the frame at some place: where. */
function findGrid(frame: { width: number; height: number; rgba: Uint8Array }, grid: { width: number; height: number; data: number[] }): [number, number] | null {
  const at = (ox: number, oy: number, x: number, y: number) => frame.rgba[((oy + 2 * y) * frame.width + ox + 2 * x) * 4]!;
  for (let oy = 0; oy + 2 * grid.height <= frame.height; oy++) {
    for (let ox = 0; ox + 2 * grid.width <= frame.width; ox++) {
      let same = true;
      for (let y = 0; y < grid.height && same; y++) for (let x = 0; x < grid.width && same; x++) same = at(ox, oy, x, y) === grid.data[(y * grid.width + x) * 4];
      if (same) return [ox, oy];
    }
  }
  return null;
}

describe(`what a layer responds to (${HOST} host)`, () => {
  it('shows each filter’s optimised input in the grid, as the API has it, and exports it as a GIF', async () => {
    // (The biography above stored conv2's optimised inputs at these steps for every snapshot.)
    await app.goto(`#/run/${run.id}?layer=conv2&steps=${STEPS}`);
    // A fresh page on that address: the filter detail the test above opened is not part of it.
    await app.page.reload();
    await app.page.getByTestId('weights').waitFor();
    await app.page.getByTestId('filter-detail').waitFor({ state: 'hidden' });
    await app.page.keyboard.press('r');
    const grid = app.page.getByTestId('featurevis-grid');
    await grid.waitFor();
    await expect.poll(() => app.page.evaluate(() => location.hash)).toContain('show=responds');
    expect(await app.page.getByTestId('show-responds').getAttribute('aria-pressed')).toBe('true');
    const api = await app.call('analyses.filters', { runId: run.id, layer: 'conv2', what: ['featurevis'], steps: STEPS });
    const last = run.snapshots.length - 1;
    await expect.poll(() => grid.getAttribute('data-seq')).toBe(String(run.snapshots[last]!.seq));
    const shownLast = await canvasPixels(grid);
    expect(worstPixel(shownLast, api.featureVis[last]!.map((v) => v.image))).toBeLessThanOrEqual(255 / 124 / 2);
    // The player moves the grid: at the first snapshot, the first snapshot's inputs.
    await app.page.keyboard.press('Home');
    await expect.poll(() => grid.getAttribute('data-seq')).toBe(String(run.snapshots[0]!.seq));
    const shownFirst = await canvasPixels(grid);
    expect(worstPixel(shownFirst, api.featureVis[0]!.map((v) => v.image))).toBeLessThanOrEqual(255 / 124 / 2);
    expect(shownFirst.data).not.toEqual(shownLast.data);
    await app.screenshot('run-conv2-responds');

    // A reload keeps the view; its GIF has one frame per snapshot, each holding that snapshot's grid.
    await app.page.reload();
    await grid.waitFor();
    const saved = await app.exportedGif(() => app.page.getByTestId('export-gif').click());
    expect(saved.name).toMatch(/-conv2-responds\.gif$/);
    const gif = gifFrames(saved.bytes);
    expect(gif.frames.length).toBe(run.snapshots.length);
    const place = findGrid({ width: gif.width, height: gif.height, rgba: gif.frames[0]! }, shownFirst);
    expect(place).not.toBeNull();
    expect(findGrid({ width: gif.width, height: gif.height, rgba: gif.frames[last]! }, shownLast)).toEqual(place);

    // The command line's GIF of the same view: the same frames.
    const out = join(mkdtempSync(join(tmpdir(), 'wl-fv-')), 'conv2.gif');
    const cli = spawnSync(process.execPath, [join(appRoot, 'src-main/cli/weightlapse.mjs'), 'export-gif', '--run', String(run.id), '--view', 'featurevis', '--layer', 'conv2', '--steps', String(STEPS), '--out', out, '--db', app.dbPath], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const fromCli = gifFrames(readFileSync(out));
    expect([fromCli.width, fromCli.height]).toEqual([gif.width, gif.height]);
    expect(fromCli.frames).toEqual(gif.frames);

    for (const scheme of ['dark', 'light'] as const) {
      await app.page.emulateMedia({ colorScheme: scheme });
      const result = await new AxeBuilder({ page: app.page }).include('.toolbar').include('.stage').analyze();
      expect(result.violations.map((v) => `${scheme}: ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`)).toEqual([]);
    }
    await app.page.emulateMedia({ colorScheme: 'dark' });
    expect(app.errors).toEqual([]);
  }, 300_000);
});
