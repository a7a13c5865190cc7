/**
 * The run page's data map (issue 26), on each host: a tiny run trained by the CLI (its ledger recorded as
 * it trained) shows every training image, each point's pixel in its correctness colour at the API's
 * confidence and variability; the "most forgotten" gallery lists the API's most forgotten images with
 * their p(true) at each epoch; a click on a point selects it; stepping the player back moves the map to
 * that snapshot's values. The wheel zooms about the pointer, a lasso in the zoomed view selects the images
 * inside it (by the API's numbers), the arrow keys pan and 0 resets the focused map, and the view stays
 * while the player steps (screenshots run-data-map-zoomed-*). A run stored without a ledger offers "compute it now" (keyboard: Enter on the
 * button), then shows the map of the ledger computed from its snapshots and says so; the offer axe-clean in
 * light and dark (the map is in accessibility.test.ts); screenshots run-examples-compute-*.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleTable, RunDetail } from '../../src-preload/api.ts';
import { correctnessColour, galleries, MAP_PLOT as PLOT } from '../../src-renderer/src/lib/dataMap.ts';
import { area, fromX, fromY, FULL_VIEW, toX, toY, type View } from '../../src-renderer/src/lib/mapView.ts';
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

    // The wheel zooms about the pointer: at a point in the middle of the cloud, the point stays under it and
    // its colour stays there.
    const map = app.page.getByTestId('data-map');
    const viewOf = async (): Promise<View> => JSON.parse((await map.getAttribute('data-view'))!) as View;
    const middle = Array.from(table.presented.keys()).filter((i) => table.variability[i]! > 0.1 && table.variability[i]! < 0.4 && table.confidence[i]! > 0.3 && table.confidence[i]! < 0.7);
    const m = middle.at(-1)!;
    const box = (await map.boundingBox())!;
    // Whole page pixels, so that the page's pointer coordinates are exactly these, rounded or not.
    const [px, py] = [Math.round(box.x + toX(PLOT, table.variability[m]!)), Math.round(box.y + toY(PLOT, table.confidence[m]!))];
    const [mx, my] = [px - box.x, py - box.y];
    await app.page.mouse.move(px, py);
    await app.page.mouse.wheel(0, -400);
    await expect.poll(async () => (await viewOf()).v1).toBeLessThan(FULL_VIEW.v1);
    const zoomed = await viewOf();
    expect(0.5 / (zoomed.v1 - zoomed.v0)).toBeGreaterThan(2);
    expect(fromX(PLOT, mx, zoomed)).toBeCloseTo(fromX(PLOT, mx), 6);
    expect(fromY(PLOT, my, zoomed)).toBeCloseTo(fromY(PLOT, my), 6);
    expect(await pixelAt(toX(PLOT, table.variability[m]!, zoomed), toY(PLOT, table.confidence[m]!, zoomed))).toEqual([...correctnessColour(table.correctness[m]!, 'dark')]);

    // A lasso in the zoomed view selects exactly the images whose (variability, confidence) lie inside it.
    const plot = area(PLOT);
    const [cx, cy, rx, ry] = [box.x + (plot.x0 + plot.x1) / 2, box.y + (plot.y0 + plot.y1) / 2, 0.4 * (plot.x1 - plot.x0), 0.4 * (plot.y1 - plot.y0)];
    const ring = Array.from({ length: 7 }, (_, k) => [Math.round(cx + rx * Math.cos(k * 0.9)), Math.round(cy + ry * Math.sin(k * 0.9))] as const);
    await app.page.mouse.move(...ring[0]!);
    await app.page.mouse.down();
    for (const p of [...ring.slice(1), ring[0]!]) await app.page.mouse.move(...p, { steps: 4 });
    await app.page.mouse.up();
    const polygon = ring.map(([vx, vy]) => [fromX(PLOT, vx - box.x, zoomed), fromY(PLOT, vy - box.y, zoomed)] as const);
    const inside = (v: number, c: number) => {
      let odd = false;
      for (let k = 0, j = polygon.length - 1; k < polygon.length; j = k++) {
        const [[v1, c1], [v2, c2]] = [polygon[k]!, polygon[j]!];
        if (c1 > c !== c2 > c && v < v1 + ((c - c1) / (c2 - c1)) * (v2 - v1)) odd = !odd;
      }
      return odd;
    };
    const lassoed = Array.from(table.presented.keys()).filter((i) => table.presented[i]! > 0 && inside(table.variability[i]!, table.confidence[i]!));
    expect(lassoed.length).toBeGreaterThan(1);
    expect(lassoed.length).toBeLessThan(200);
    await expect.poll(() => items.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))))).toEqual(lassoed);

    // With the map focused the arrow keys pan it (and not the player): 40 pixels to the right.
    await map.focus();
    await app.page.keyboard.press('ArrowRight');
    await expect.poll(async () => (await viewOf()).v0).toBeGreaterThan(zoomed.v0);
    const panned = await viewOf();
    expect(panned.v0).toBeCloseTo(fromX(PLOT, toX(PLOT, zoomed.v0, zoomed) + 40, zoomed), 9);
    expect(panned.c0).toBe(zoomed.c0);
    expect(await app.page.getByTestId('examples-summary').textContent()).toMatch(/as of epoch 3 ·/);

    // Back one snapshot (the end of epoch 2): two presentations each; the view stays.
    await app.page.getByRole('button', { name: 'Previous snapshot' }).click();
    await expect.poll(() => app.page.getByTestId('examples-summary').textContent()).toMatch(/200 images, 2 epochs as of epoch 2 ·/);
    expect(await viewOf()).toEqual(panned);
    // Dark (the page's), then light; axe then checks the map, its controls and its reset button in both (the
    // list of picked images is checked elsewhere).
    await app.screenshot('run-data-map-zoomed-dark', '[data-testid=examples]');
    await app.page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => app.page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await app.screenshot('run-data-map-zoomed-light', '[data-testid=examples]');
    expect(await axeViolations(app.page, '[data-testid=examples] .map-box')).toEqual([]);
    // 0 on the focused map: the whole map again.
    await map.focus();
    await app.page.keyboard.press('0');
    await expect.poll(viewOf).toEqual(FULL_VIEW);
    expect(await app.page.getByTestId('map-reset').isDisabled()).toBe(true);
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
