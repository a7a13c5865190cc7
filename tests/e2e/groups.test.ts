/**
 * A group of seeds on each host: the freeze experiment over two seeds, trained by the CLI into the app's
 * database; the runs list shows it as one row with each arm's mean ± interval that opens into its four runs,
 * and its page shows the gap with its interval, the outcome in words and the per-epoch bands, all matching the
 * API's figures; each layer's change per epoch is drawn as the API's band (its numbers against NumPy:
 * tests/unit/cli/groups.test.ts); the layers' "settled at" spread over the members is each member's own
 * analysis taken together by hand (range, median, mean and t interval), once the page has had them analysed;
 * axe finds nothing on either page, in either theme.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, type GroupSummary, type LayerAnalysis } from '../../src-preload/api.ts';
import { describeGap, gapOutcome } from '../../src-main/shared/groups.ts';
import { num } from '../../src-renderer/src/lib/format.ts';
import { axeViolations } from './axe.ts';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;
let group: GroupSummary;

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1280, height: 860 } });
  group = trainWithCli(app, ['--experiment', 'freeze-conv', '--seeds', '5,6', '--epochs', '2', '--train-limit', '200', '--test-limit', '100', '--backend', 'wasm']) as GroupSummary;
});

afterAll(async () => {
  await app?.close();
});

describe(`a group of seeds (${HOST} host)`, () => {
  it('lists as one row that opens into its runs, and its page shows the gap with its interval and the outcome in words', async () => {
    expect(group.members.map((m) => [m.seed, m.arm, m.status])).toEqual([
      [5, 'trained', 'done'], [5, 'frozen', 'done'], [6, 'trained', 'done'], [6, 'frozen', 'done'],
    ]);
    await app.goto('#/runs');
    const row = app.page.locator(`tr[data-group-id="${group.id}"]`);
    await app.page.reload(); // trained by another process while the page showed the empty list
    await row.waitFor();
    expect(await app.page.locator('tr[data-run-id]').count()).toBe(0); // its runs are inside it
    const trained = group.arms[0]!.final!;
    await expect.poll(() => row.locator('td.interval').innerText()).toContain(`${(100 * trained.mean).toFixed(2)} ± ${(100 * (trained.high! - trained.mean)).toFixed(2)}`);
    await row.getByRole('button', { name: /^Show the 4 runs/ }).click();
    await expect.poll(() => app.page.locator('tr.member[data-run-id]').count()).toBe(4);
    await app.screenshot('group-runs');
    expect(await axeViolations(app.page)).toEqual([]);

    await row.getByRole('link', { name: group.name }).click();
    await expect.poll(() => app.page.url()).toMatch(new RegExp(`#/group/${group.id}$`));
    // On 100 probe images (the default is 1,000 of the sample's test split, ten times the work). The spread's panel asks
    // for the members' analyses once in view: they run while the rest is checked.
    await app.goto(`#/group/${group.id}?probes=100`);
    await app.page.getByTestId('settled-spread').scrollIntoViewIfNeeded();
    const gap = app.page.getByTestId('group-gap');
    await expect.poll(() => gap.innerText()).toContain(describeGap(group.gap!));
    expect(await app.page.getByTestId('group-outcome').innerText()).toBe(gapOutcome(group.gap!));
    expect(await app.page.getByTestId('group-members').locator('tbody tr').count()).toBe(4);
    expect(await app.page.getByTestId('accuracy-bands').locator('path').count()).toBeGreaterThanOrEqual(3);
    const csv = decodeURIComponent((await app.page.getByTestId('group-csv').getAttribute('href'))!.replace(/^data:text\/csv;charset=utf-8,/, ''));
    expect(csv.split('\n')[0]).toBe('row,run,seed,arm,status,final_test_accuracy,epoch_0,epoch_1,epoch_2');
    const bands = app.page.getByTestId('change-bands');
    expect(await bands.locator('figure.chart canvas').count()).toBe(LAYERS.length);
    // fc1's chart: the legend says each arm's mean change with its interval at the last epoch.
    const fc1 = bands.locator('figure.chart[data-layer="fc1"]');
    const rows = fc1.locator('.u-legend .u-series:visible');
    const legend = await rows.evaluateAll((trs) => trs.map((tr) => [tr.querySelector('.u-label')!.textContent, tr.querySelector('.u-value')!.textContent]));
    expect(legend).toEqual(group.arms.map((a) => {
      const band = a.change.fc1[2]!;
      return [a.arm, `${num(band.mean, 3)} (${num(band.low, 3)} – ${num(band.high, 3)})`]; // LineChart's 3 significant digits
    }));
    await app.screenshot('group-page');
    expect(app.errors).toEqual([]); // axe: once the analyses have filled the page (below)
  });

  it('shows each layer\'s "settled at" as a spread over the members, once it has had every member analysed', async () => {
    const panel = app.page.getByTestId('settled-spread');
    await expect.poll(() => panel.getByTestId('settled-waiting').innerText()).not.toContain('Not counted yet');
    expect(await panel.getByTestId('settled-waiting').innerText()).toContain('on 100 probe images');
    const analyses = new Map<number, LayerAnalysis>();
    for (const m of group.members) analyses.set(m.runId, (await app.call('analyses.layers', { runId: m.runId, probes: 100, threshold: 0.9 })) as LayerAnalysis);
    for (const arm of ['trained', 'frozen']) {
      for (const [l, layer] of analyses.get(group.members[0]!.runId)!.layers.entries()) {
        const epochs = group.members.filter((m) => m.arm === arm).map((m) => {
          const a = analyses.get(m.runId)!;
          return a.epochs[a.seqs.indexOf(a.settledAt[l]!)]!;
        }).sort((a, b) => a - b);
        const [first, last] = epochs as [number, number];
        // Two seeds: the median is the mean; s = (last − first) / √2, and the interval mean ± t(0.975, 1) · s / √2 (the t table).
        const mean = (first + last) / 2;
        const half = (12.706204736174705 * (last - first)) / 2;
        const cells = await panel.locator(`tr[data-layer="${layer}"][data-arm="${arm}"] td`).allInnerTexts();
        expect(cells).toEqual([layer, arm, '2', String(first), String(mean), String(last), `${mean} (${(mean - half).toFixed(2)} – ${(mean + half).toFixed(2)})`]);
      }
    }
    await app.page.evaluate(() => window.scrollTo(0, 0)); // the full-page shot from the top, the bar where it belongs
    await app.screenshot('group-settled');
    await app.page.emulateMedia({ colorScheme: 'light' });
    await app.screenshot('group-settled-light');
    // The whole group page, filled, in each theme: one pass (a pass before the analyses came and another on the spread's panel took twice as long).
    expect(await axeViolations(app.page)).toEqual([]);
    expect(app.errors).toEqual([]);
  });
});
