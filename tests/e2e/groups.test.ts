/**
 * A group of seeds on each host: the freeze experiment over two seeds, trained by the CLI into the app's
 * database; the runs list shows it as one row with each arm's mean ± interval that opens into its four runs,
 * and its page shows the gap with its interval, the outcome in words and the per-epoch bands, all matching the
 * API's figures; axe finds nothing on either page, in either theme.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupSummary } from '../../src-preload/api.ts';
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
    await app.screenshot('group-page');
    expect(await axeViolations(app.page)).toEqual([]);
    expect(app.errors).toEqual([]);
  }, 120_000);
});
