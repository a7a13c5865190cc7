/**
 * The desktop app's window recovering while a run trains, on the desktop host (tests/e2e/hosts/desktop.ts):
 * the page's renderer crashing (`render-process-gone`) and hanging (`unresponsive`). The core and its trainer
 * live on the main side, so the reloaded page finds the run in progress and follows it by its events, and
 * the run stores its epochs throughout. And the log: the trainer's start, the crash, Help → Open Logs Folder.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStoredRun } from '../../src-main/core/store/runs.ts';
import { RELOAD, WAIT } from '../../src-main/electron/window-watch.ts';
import { openDesktopApp, type DesktopApp } from './hosts/desktop.ts';
import { until } from '../helpers.ts';

let app: DesktopApp;
let runId: number;

const stored = async () => (await app.call('runs.get', { id: runId })).snapshots.length;
const notice = () => app.page.getByTestId('notice');
/** The notice's text, '' while there is none (or the window has no page yet: it is being reloaded). */
const noticeText = async () => ((await notice().isVisible().catch(() => false)) ? ((await notice().textContent()) ?? '') : '');
/** Progress events the page has received since `listen()`: proof that it follows the run again. */
const listen = () =>
  app.page.evaluate(() => {
    const g = globalThis as unknown as { progressSeen: number; weightlapse: { on(e: string, l: () => void): void } };
    g.progressSeen = 0;
    g.weightlapse.on('run.progress', () => g.progressSeen++);
  });
const progressSeen = () => app.page.evaluate(() => (globalThis as unknown as { progressSeen: number }).progressSeen);

/** The window shows the run again after a reload, its trainer still at work, and the run goes on storing epochs. */
async function followsTheRunAgain(before: number): Promise<void> {
  await app.page.getByTestId('weights').waitFor();
  expect(app.page.url()).toContain(`#/run/${runId}`);
  await listen();
  await until('progress in the reloaded page', async () => (await progressSeen()) > 0);
  await until('epochs stored across the reload', async () => (await stored()) > before + 1);
  expect((await app.call('runs.get', { id: runId })).status).toBe('running');
}

beforeAll(async () => {
  app = await openDesktopApp({ width: 1280, height: 800 });
  const datasetId = (await app.call('datasets.list', {})).find((d) => d.bundled)!.id;
  runId = (await app.call('runs.start', { datasetId, name: 'through it all', config: { epochs: 500, trainLimit: 128, testLimit: 32, batchSize: 32 } })).id;
  await app.goto(`#/run/${runId}`);
  await app.page.getByTestId('weights').waitFor();
  await until('a trained epoch', async () => (await stored()) >= 2);
});

afterAll(async () => {
  await app?.close();
});

describe('the window’s page recovering while a run trains (desktop host)', () => {
  it('crashed: reloaded on the run it showed, saying so, and the run stores its epochs throughout', async () => {
    const before = await stored();
    await app.crashRenderer();
    await until('the notice', async () => (await noticeText()) !== '');
    expect(await noticeText()).toContain("The window's page stopped (crashed) and was reloaded. Training went on, and nothing stored was lost.");
    expect(await notice().getAttribute('role')).toBe('status');
    await followsTheRunAgain(before);
    await app.screenshot('crash-reloaded');
    expect(readFileSync(app.log.file, 'utf8')).toMatch(/\[error\] +weightlapse: the window's page is gone: crashed/);
  });

  it('hung: asks; Wait leaves it; Reload ends the hung renderer and reloads it, the run going on', async () => {
    const asked = app.dialog.shown.length;
    app.dialog.answers.message.push(WAIT);
    await app.hangRenderer();
    await until('the question', () => app.dialog.shown.length > asked);
    expect(app.dialog.shown.at(-1)).toMatchObject({ kind: 'message', parent: true, options: { message: 'The window is not responding.', buttons: ['Reload', 'Wait'] } });

    // Still hung, and noticed again: this time, Reload.
    const before = await stored();
    app.dialog.answers.message.push(RELOAD);
    await app.hangRenderer();
    await until('the notice', async () => (await noticeText()).includes('The window was reloaded after it stopped responding.'));
    await followsTheRunAgain(before);
    const logged = readFileSync(app.log.file, 'utf8');
    expect(logged).toMatch(/\[warn\] +weightlapse: the window is not responding/);
    // Ending the hung renderer on purpose is no crash.
    expect(logged.match(/the window's page is gone/g)).toHaveLength(1);
  });

  it('logs the trainer, and Help → Open Logs Folder shows the log’s folder', async () => {
    const pid = getStoredRun(app.core.ctx.db, runId)!.pid;
    expect(readFileSync(app.log.file, 'utf8')).toMatch(new RegExp(`\\[info\\] +\\(trainer ${pid}\\) started for `));
    app.clickMenu('Open Logs Folder');
    expect(app.logsShown).toEqual([app.log.dir]);
    await app.call('runs.stop', { id: runId });
    await until('the trainer to exit', () => readFileSync(app.log.file, 'utf8').includes(`(trainer ${pid}) exited`));
    expect(app.errors).toEqual([]);
  });
});
