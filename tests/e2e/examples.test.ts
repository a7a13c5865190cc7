/**
 * The run page's data map (issue 26), on each host: a tiny run trained by the CLI (its ledger recorded as
 * it trained) shows every training image, each point's pixel in its correctness colour at the API's
 * confidence and variability; the "most forgotten" gallery lists the API's most forgotten images with
 * their p(true) at each epoch; a click on a point selects it; stepping the player back moves the map to
 * that snapshot's values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleTable, RunDetail } from '../../src-preload/api.ts';
import { correctnessColour, galleries, MAP_PLOT as PLOT, toX, toY } from '../../src-renderer/src/lib/dataMap.ts';
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
});
