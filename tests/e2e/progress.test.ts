/**
 * Progress where the person looks, on each host: after Start training the run page shows the live
 * progress line (the runs list's component), the initial weights (epoch 0) as soon as they are stored,
 * and how far the run is in the window's title; when the run ends, a notice says so on whatever page
 * is open, and (in a browser that allows it) a system notification.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST, openApp, type OpenApp } from './harness.ts';

let app: OpenApp;
/** The run page's title, after how far the run is: the desktop app, which opens any database, names its file. */
const TITLE = HOST === 'desktop' ? 'followed — e2e.db — Weightlapse' : 'followed — Weightlapse';

/** Records the page's system notifications (the browser's own Notification, still called). */
const RECORD_NOTIFICATIONS = `{
  const Real = window.Notification;
  window.__notifications = [];
  if (Real) window.Notification = class extends Real {
    constructor(title, options) { super(title, options); window.__notifications.push(title); }
  };
}`;

beforeAll(async () => {
  app = await openApp({ viewport: { width: 1280, height: 800 } });
  if (HOST === 'browser') await app.context.grantPermissions(['notifications']);
  await app.page.addInitScript({ content: RECORD_NOTIFICATIONS });
  await app.page.reload();
});

afterAll(async () => {
  await app?.close();
});

describe(`progress after Start training (${HOST} host)`, () => {
  it('shows the run page with its progress, epoch 0 first, the progress in the title, and says when the run ends', async () => {
    await app.goto('#/runs?new=1');
    const form = app.page.getByTestId('new-run');
    await form.locator('input[name="epochs"]').fill('2');
    await form.locator('input[name="batchSize"]').fill('16');
    await form.locator('input[name="trainLimit"]').fill('2000');
    await form.locator('input[name="testLimit"]').fill('100');
    await form.locator('input[name="name"]').fill('followed');
    await form.getByRole('button', { name: 'Start training' }).click();
    await app.page.waitForURL(/#\/run\/\d+/);
    const [run] = await app.call('runs.list', {});
    expect(run!.name).toBe('followed');

    // The initial weights, while the first epoch trains.
    const weights = app.page.getByTestId('weights');
    await expect.poll(() => weights.getAttribute('data-seq')).toBe('0');
    expect(await app.page.getByTestId('epoch-label').textContent()).toMatch(/epoch\s*0\//);

    // The runs list's progress line, here, with the batches of the epoch; the title says how far the run is.
    const bar = app.page.getByTestId('run-progress').getByRole('progressbar');
    await bar.waitFor();
    expect(await bar.getAttribute('aria-valuemax')).toBe(String(Math.ceil(2000 / 16)));
    await expect.poll(async () => /^\d{1,2} % · (.*)$/.exec(await app.page.title())?.[1]).toBe(TITLE);

    // Its end is said on another page too.
    await app.goto('#/datasets');
    const notice = app.page.getByTestId('run-ended');
    await notice.waitFor();
    const done = await app.call('runs.get', { id: run!.id });
    expect(done.status).toBe('done');
    expect(await notice.textContent()).toContain(`followed finished, best test accuracy ${(done.bestTestAccuracy! * 100).toFixed(2)}%`);
    expect(await notice.getAttribute('data-run-id')).toBe(String(run!.id));
    const shown = (await app.page.evaluate('window.__notifications')) as string[];
    // The desktop app denies web permissions: its notice is the page's own.
    expect(shown).toEqual(HOST === 'browser' ? [`followed finished, best test accuracy ${(done.bestTestAccuracy! * 100).toFixed(2)}%`] : []);
    await notice.getByRole('button', { name: /^Dismiss/ }).click();
    await notice.waitFor({ state: 'detached' });

    await app.goto(`#/run/${run!.id}`);
    await expect.poll(() => app.page.title()).toBe(TITLE);
    expect(await app.page.getByTestId('run-progress').count()).toBe(0);
    expect(app.errors).toEqual([]);
  });
});
