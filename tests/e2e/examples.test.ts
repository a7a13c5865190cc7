/**
 * The run page's data map (issue 26), on each host: a tiny run trained by the CLI (its ledger recorded as
 * it trained) shows every training image, each point's pixel in its correctness colour at the API's
 * confidence and variability; the "most forgotten" gallery lists the API's most forgotten images with
 * their p(true) at each epoch; a click on a point selects it; stepping the player back moves the map to
 * that snapshot's values. A run stored without a ledger offers "compute it now" (keyboard: Enter on the
 * button), then shows the map of the ledger computed from its snapshots and says so; the offer axe-clean in
 * light and dark (the map is in accessibility.test.ts); screenshots run-examples-compute-*.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleTable, RunDetail } from '../../src-preload/api.ts';
import { correctnessColour, galleries, MAP_PLOT as PLOT } from '../../src-renderer/src/lib/dataMap.ts';
import { fromX, fromY, FULL_VIEW, toX, toY, type View } from '../../src-renderer/src/lib/mapView.ts';
import { axeViolations } from './axe.ts';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;
let run: RunDetail;

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1440, height: 900 } });
  trainWithCli(app, ['--epochs', '3', '--train-limit', '200', '--test-limit', '50', '--batch', '20', '--lr', '0.05']);
  const [summary] = await app.call('runs.list', {});
  run = await app.call('runs.get', { id: summary!.id });
});

afterAll(async () => {
  await app?.close();
});

/** The canvas's RGB at a CSS position. */
const pixelAt = (x: number, y: number) =>
  app.page.getByTestId('data-map').evaluate((c, [px, py, cssWidth]) => {
    const canvas = c as unknown as { width: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
    const scale = canvas.width / cssWidth!;
    return Array.from(canvas.getContext('2d').getImageData(Math.round(px! * scale), Math.round(py! * scale), 1, 1).data).slice(0, 3);
  }, [x, y, PLOT.width]);

describe(`the data map on the run page (${HOST} host)`, () => {
  it('draws every training image where the API puts it, lists the most forgotten, and follows the player', async () => {
    await app.goto(`#/run/${run.id}`);
    await app.page.getByTestId('examples').scrollIntoViewIfNeeded();
    const table: ExampleTable = await app.call('analyses.examples', { runId: run.id });
    expect(table.epochs).toBe(3);
    await expect.poll(() => app.page.getByTestId('data-map').getAttribute('data-points')).toBe('200');
    expect(await app.page.getByTestId('examples-summary').textContent()).toMatch(new RegExp(`200 images, 3 epochs as of epoch 3 · ${table.totals.forgettingEvents} forgetting events`));
    expect(await app.page.getByTestId('examples-source').textContent()).toBe('ledger recorded while training (minibatch predictions)');
    // A point drawn last (nothing over it) shows its correctness colour at its place.
    const last = 199;
    const [x, y] = [toX(PLOT, table.variability[last]!), toY(PLOT, table.confidence[last]!)];
    expect(await pixelAt(x, y)).toEqual([...correctnessColour(table.correctness[last]!, 'dark')]);

    const { forgotten } = galleries(table, () => true, 24);
    expect(forgotten.length).toBeGreaterThan(0);
    await app.page.getByTestId('gallery-forgotten').click();
    const items = app.page.getByTestId('examples-picked').locator('li');
    await expect.poll(() => items.count()).toBe(forgotten.length);
    expect(await items.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))))).toEqual(forgotten);
    expect(await items.first().locator('circle').count()).toBe(3);
    await app.screenshot('run-data-map');

    // A click on the point selects that image alone.
    await app.page.getByTestId('data-map').click({ position: { x, y } });
    await expect.poll(() => items.count()).toBe(1);

    // Back one snapshot (the end of epoch 2): two presentations each.
    await app.page.getByRole('button', { name: 'Previous snapshot' }).click();
    await expect.poll(() => app.page.getByTestId('examples-summary').textContent()).toMatch(/200 images, 2 epochs as of epoch 2 ·/);
  });

  it('computes the ledger of a run stored without one, from its snapshots, and says which ledger it shows', async () => {
    trainWithCli(app, ['--epochs', '2', '--train-limit', '48', '--test-limit', '20', '--batch', '16', '--lr', '0.05']);
    const bare = (await app.call('runs.list', {})).find((r) => r.id !== run.id)!;
    // As a run stored before ledgers were recorded.
    app.core.ctx.db.prepare(`DELETE FROM example_ledgers WHERE snapshot_id IN (SELECT id FROM snapshots WHERE run_id = $id)`).run({ id: bare.id });
    await app.goto(`#/run/${bare.id}`);
    await app.page.getByTestId('examples').scrollIntoViewIfNeeded();
    const button = app.page.getByTestId('compute-examples');
    await expect.poll(() => button.textContent()).toMatch(/Compute it now/);
    expect(await app.page.getByTestId('no-ledger').textContent()).toMatch(/trained before Weightlapse recorded one/);
    expect(await axeViolations(app.page, '[data-testid=examples]')).toEqual([]);
    await app.screenshot('run-examples-compute-button');

    await button.focus();
    await app.page.keyboard.press('Enter');
    await expect.poll(() => app.page.getByTestId('data-map').getAttribute('data-points')).toBe('48');
    expect(await button.count()).toBe(0);
    expect(await app.page.getByTestId('examples-source').textContent()).toBe('ledger computed from the snapshots (end-of-epoch predictions)');
    const table: ExampleTable = await app.call('analyses.examples', { runId: bare.id });
    expect(table).toMatchObject({ source: 'computed', sources: ['computed'], epochs: 2, count: 48 });
    expect(await app.page.getByTestId('examples-summary').textContent()).toMatch(new RegExp(`48 images, 2 epochs as of epoch 2 · ${table.totals.forgettingEvents} forgetting events`));
    for (const scheme of ['light', 'dark'] as const) {
      await app.page.emulateMedia({ colorScheme: scheme });
      await expect.poll(() => app.page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
      await app.screenshot(`run-examples-computed-${scheme}`);
    }
  });
});
