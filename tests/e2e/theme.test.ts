/**
 * Light and dark, on each host: the page follows the system's colour scheme from its first paint, a
 * choice in the header overrides it and is remembered across a reload, and what the page draws (the
 * weights' canvas, the exported GIF) is in the theme on screen. Screenshots of the runs list, a run and
 * the compare view in both themes (test-results/screenshots/theme-*.png). And the page's icon is its own.
 */
import { GifReader } from 'omggif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src-preload/api.ts';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;
let runs: RunSummary[];

const BACKGROUND = { dark: 'rgb(29, 32, 38)', light: 'rgb(228, 231, 235)' };
const theme = () => app.page.evaluate(() => document.documentElement.dataset.theme);
const pageBackground = () => app.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
/** The top-left pixel of the weights' canvas: a gap between filters, the interface's background. */
const canvasCorner = () =>
  app.page.getByTestId('weights').evaluate((c) => Array.from((c as unknown as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 1, 1).data.subarray(0, 3)));
/** The trained run of the two (the first started; the list is newest first). */
async function openRun(): Promise<void> {
  await app.goto(`#/run/${runs.at(-1)!.id}`);
  await expect.poll(() => app.page.getByTestId('weights').getAttribute('data-seq')).toMatch(/^\d+$/);
}

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1280, height: 800 } });
  // The study's freeze experiment, small, trained by the CLI into the app's database: a run and its frozen twin.
  trainWithCli(app, ['--experiment', 'freeze-conv', '--epochs', '3', '--train-limit', '600', '--test-limit', '200']);
  runs = await app.call('runs.list', {});
});

afterAll(async () => {
  await app?.close();
});

describe(`light and dark (${HOST} host)`, () => {
  it("follows the system's colour scheme, and paints its background before its script has chosen", async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await app.page.emulateMedia({ colorScheme: scheme });
      await expect.poll(theme).toBe(scheme);
      expect(await pageBackground()).toBe(BACKGROUND[scheme]);
      expect(await app.page.getByTestId('theme').inputValue()).toBe('system');
    }
    // What the first paint shows, before lib/theme.ts sets the theme: index.html's own style.
    await app.page.evaluate(() => document.documentElement.removeAttribute('data-theme'));
    for (const scheme of ['light', 'dark'] as const) {
      await app.page.emulateMedia({ colorScheme: scheme });
      await expect.poll(pageBackground).toBe(BACKGROUND[scheme]);
    }
    await app.page.reload();
    await expect.poll(theme).toBe('dark');
  });

  it('takes a choice in the header over the system’s, remembers it, and draws the weights and the GIF in it', async () => {
    await openRun();
    expect(await canvasCorner()).toEqual([0x1d, 0x20, 0x26]);
    await app.page.getByTestId('theme').selectOption('light');
    await expect.poll(theme).toBe('light');
    await expect.poll(canvasCorner).toEqual([0xe4, 0xe7, 0xeb]);

    // Remembered: after a reload, and whatever the system says.
    await app.page.reload();
    await expect.poll(() => app.page.getByTestId('weights').getAttribute('data-seq')).toMatch(/^\d+$/);
    expect(await theme()).toBe('light');
    expect(await app.page.getByTestId('theme').inputValue()).toBe('light');
    await app.page.emulateMedia({ colorScheme: 'dark' });
    expect(await theme()).toBe('light');
    expect(await pageBackground()).toBe(BACKGROUND.light);

    const saved = await app.exportedGif(() => app.page.getByTestId('export-gif').click());
    const gif = new GifReader(saved.bytes);
    const frame = new Uint8Array(gif.width * gif.height * 4);
    gif.decodeAndBlitFrameRGBA(0, frame);
    expect(Array.from(frame.subarray(0, 3))).toEqual([0xe4, 0xe7, 0xeb]);

    // Back to the system's, and that is remembered too.
    await app.page.getByTestId('theme').selectOption('system');
    await expect.poll(theme).toBe('dark');
    await app.page.reload();
    await expect.poll(theme).toBe('dark');
    expect(await app.page.getByTestId('theme').inputValue()).toBe('system');
  });

  it('shows the runs list, a run and the compare view in both themes', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await app.page.emulateMedia({ colorScheme: scheme });
      await app.goto('#/runs');
      await app.page.locator(`tr[data-run-id="${runs[0]!.id}"]`).waitFor();
      await expect.poll(theme).toBe(scheme);
      await app.screenshot(`theme-${scheme}-runs`);
      await openRun();
      await expect.poll(() => app.page.getByTestId('activation-rows').getAttribute('data-loaded')).toBe('all');
      await app.page.getByTestId('mistakes').locator('li').first().waitFor();
      await app.screenshot(`theme-${scheme}-run`);
      await app.goto(`#/compare?runs=${runs.map((r) => r.id).join(',')}`);
      await expect.poll(() => app.page.getByTestId('compare-column').count()).toBe(2);
      await expect.poll(() => app.page.getByTestId('compare-activation-row').count()).toBe(2);
      await app.screenshot(`theme-${scheme}-compare`);
    }
    expect(app.errors).toEqual([]);
  });

  it('shows its own icon (no favicon probe, nothing missing)', async () => {
    const size = await app.page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]')!;
      const img = new Image();
      img.src = link.href;
      await img.decode();
      return [img.naturalWidth, img.naturalHeight];
    });
    expect(size).toEqual([512, 512]);
    expect(app.failedRequests).toEqual([]);
  });
});
