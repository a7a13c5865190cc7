/**
 * A group of seeds on each host: the freeze experiment over two seeds, trained by the CLI into the app's
 * database; the runs list shows it as one row with each arm's mean ± interval that opens into its four runs,
 * and its page shows the gap with its interval, the outcome in words and the per-epoch bands, all matching the
 * API's figures; each layer's change per epoch is a band whose mean and t interval are NumPy's (with the t table's
 * critical value) on the members' stored changes; the layers' "settled at" spread over the members is each
 * member's own analysis taken together, once the page has had them analysed; axe finds nothing on either page,
 * in either theme.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, type GroupSummary, type LayerAnalysis, type RunDetail } from '../../src-preload/api.ts';
import { describeGap, gapOutcome } from '../../src-main/shared/groups.ts';
import { axeViolations } from './axe.ts';
import { HOST, openApp, trainWithCli, type OpenApp } from './harness.ts';

let app: OpenApp;
let group: GroupSummary;

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1280, height: 860 } });
  group = trainWithCli(app, ['--experiment', 'freeze-conv', '--seeds', '5,6', '--epochs', '2', '--train-limit', '200', '--test-limit', '100', '--backend', 'wasm']) as GroupSummary;
}, 240_000);

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
    const gap = app.page.getByTestId('group-gap');
    await expect.poll(() => gap.innerText()).toContain(describeGap(group.gap!));
    expect(await app.page.getByTestId('group-outcome').innerText()).toBe(gapOutcome(group.gap!));
    expect(await app.page.getByTestId('group-members').locator('tbody tr').count()).toBe(4);
    expect(await app.page.getByTestId('accuracy-bands').locator('path').count()).toBeGreaterThanOrEqual(3);
    const csv = decodeURIComponent((await app.page.getByTestId('group-csv').getAttribute('href'))!.replace(/^data:text\/csv;charset=utf-8,/, ''));
    expect(csv.split('\n')[0]).toBe('row,run,seed,arm,status,final_test_accuracy,epoch_0,epoch_1,epoch_2');
    expect(await app.page.getByTestId('change-bands').locator('figure.chart canvas').count()).toBe(LAYERS.length);
    await app.screenshot('group-page');
    expect(await axeViolations(app.page)).toEqual([]);
    expect(app.errors).toEqual([]);
  }, 120_000);

  it("draws each layer's change per epoch as the members' mean with its t interval, as NumPy computes them from the stored changes", async () => {
    // Per arm, layer and epoch, the members' stored ‖W_e − W_prev‖ / ‖W_prev‖ at the snapshot of that whole epoch.
    const stored: Record<string, Record<string, number[][]>> = {};
    for (const m of group.members) {
      const run = (await app.call('runs.get', { id: m.runId })) as RunDetail;
      for (const layer of LAYERS) {
        const curve = [1, 2].map((e) => run.snapshots.find((s) => s.epoch === e)!.layers[layer].relChangePrev);
        ((stored[m.arm] ??= {})[layer] ??= []).push(curve);
      }
    }
    // Two seeds: t(0.975, 1) = 12.7062047361747 (the t table); the interval is mean ± t · s / √n, s with n − 1.
    const script = [
      'import json, sys, numpy as np',
      'data = json.load(sys.stdin)',
      'out = {}',
      'for arm, layers in data.items():',
      '  for layer, rows in layers.items():',
      '    a = np.array(rows, dtype=np.float64); n = a.shape[0]; m = a.mean(0); h = 12.7062047361747 * a.std(0, ddof=1) / np.sqrt(n)',
      '    out[arm + "/" + layer] = [m.tolist(), (m - h).tolist(), (m + h).tolist()]',
      'print(json.dumps(out))',
    ].join('\n');
    const numpy = JSON.parse(spawnSync('python3', ['-c', script], { input: JSON.stringify(stored), encoding: 'utf8' }).stdout) as Record<string, number[][]>;
    for (const arm of group.arms) {
      for (const layer of LAYERS) {
        const [mean, low, high] = numpy[`${arm.arm}/${layer}`]!;
        expect(arm.change[layer][0]).toBeNull(); // nothing has changed at epoch 0
        for (const e of [1, 2]) {
          const band = arm.change[layer][e]!;
          expect(band.n).toBe(2);
          for (const [ours, theirs] of [[band.mean, mean![e - 1]!], [band.low!, low![e - 1]!], [band.high!, high![e - 1]!]]) {
            expect(Math.abs(ours! - theirs!)).toBeLessThanOrEqual(1e-9 * Math.max(1e-12, Math.abs(theirs!)) + 1e-15);
          }
        }
      }
    }
    expect(group.arms.find((a) => a.arm === 'frozen')!.change.conv1[2]!.mean).toBe(0); // a frozen layer does not move
  });

  it('shows each layer\'s "settled at" as a spread over the members, once it has had every member analysed', async () => {
    const panel = app.page.getByTestId('settled-spread');
    await panel.scrollIntoViewIfNeeded();
    // The test split is 100 images: the probe set is all of them.
    await expect.poll(() => panel.getByTestId('settled-waiting').innerText(), { timeout: 120_000 }).not.toContain('Not counted yet');
    const analyses = new Map<number, LayerAnalysis>();
    for (const m of group.members) analyses.set(m.runId, (await app.call('analyses.layers', { runId: m.runId, threshold: 0.9 })) as LayerAnalysis);
    for (const arm of ['trained', 'frozen']) {
      for (const [l, layer] of analyses.get(group.members[0]!.runId)!.layers.entries()) {
        const epochs = group.members.filter((m) => m.arm === arm).map((m) => {
          const a = analyses.get(m.runId)!;
          return a.epochs[a.seqs.indexOf(a.settledAt[l]!)]!;
        }).sort((a, b) => a - b);
        const cells = await panel.locator(`tr[data-layer="${layer}"][data-arm="${arm}"] td`).allInnerTexts();
        // Two seeds: the median is the two's mean.
        expect(cells.slice(0, 6)).toEqual([layer, arm, '2', String(epochs[0]), String((epochs[0]! + epochs[1]!) / 2), String(epochs[1])]);
      }
    }
    await app.screenshot('group-settled');
    expect(await axeViolations(app.page)).toEqual([]); // dark, then light
    await app.page.emulateMedia({ colorScheme: 'light' });
    await app.screenshot('group-settled-light');
    await app.page.emulateMedia({ colorScheme: 'dark' });
    expect(app.errors).toEqual([]);
  }, 180_000);
});
