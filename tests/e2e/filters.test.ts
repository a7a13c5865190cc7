/**
 * A filter's biography on the run page, on each host: a tiny run trained by the CLI; a conv2 filter opened
 * large shows its top-9 test images, the API's, best first, cropped to its receptive field, and a strip over
 * the snapshots that the player's position follows; asked for, the optimised inputs (8 steps, from the
 * page's URL, to stay cheap) appear for every snapshot; axe finds nothing in the dialog, dark or light.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '../../src-preload/api.ts';
import { join } from 'node:path';
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
    await expect.poll(() => bio.locator('ol.top li').count(), { timeout: 120_000 }).toBe(9);
    const api = await app.call('analyses.filters', { runId: run.id, layer: 'conv2', what: ['top9'], steps: STEPS });
    const last = run.snapshots.length - 1;
    const shown = await bio.locator('ol.top li').evaluateAll((items) => items.map((li) => Number(/test image (\d+)/.exec(li.getAttribute('title') ?? '')![1])));
    expect(shown).toEqual(api.top[last]![filter]!.indices);
    expect(await bio.locator('.strip .frame').count()).toBe(run.snapshots.length);
    expect(await bio.locator('.strip .frame.current').getAttribute('aria-label')).toMatch(/^epoch 1/);

    await bio.getByTestId('bio-optimise').click();
    await expect.poll(() => bio.locator('figure.vis').count(), { timeout: 240_000 }).toBe(1);
    await expect.poll(() => bio.getByTestId('bio-waiting').count(), { timeout: 240_000 }).toBe(0);
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
