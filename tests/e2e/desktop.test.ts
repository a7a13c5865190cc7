/**
 * What only the desktop app does, on the desktop host (tests/e2e/hosts/desktop.ts: the built page and
 * preload, the real main side, Electron's objects stood in for): the bridge and what crosses it, the
 * sender check against a second frame and a foreign page, the menu's commands, native dialogs, a data
 * set dropped on the window, the title bar following the run, and closing the window while a run
 * trains.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GifReader } from 'omggif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, events, type ApiResult, type RunDetail } from '../../src-preload/api.ts';
import { CALL_CHANNEL } from '../../src-preload/bridge.ts';
import { appRoot } from '../../src-main/core/paths.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { isSameProcess } from '../../src-main/core/store/processes.ts';
import { getStoredRun } from '../../src-main/core/store/runs.ts';
import { listSnapshots } from '../../src-main/core/store/snapshots.ts';
import { KEEP_TRAINING, STOP_AND_QUIT } from '../../src-main/electron/quit.ts';
import { IPC_BINDING, openDesktopApp, type DesktopApp } from './hosts/desktop.ts';
import { until } from '../helpers.ts';

/** The page globals used here (the project is type-checked without the DOM library). */
interface PageGlobals {
  weightlapse: {
    call(method: string, input: unknown): Promise<ApiResult<unknown>>;
    on(event: string, listener: (...args: unknown[]) => void): () => void;
    pathForFile(file: unknown): string;
  };
  received: unknown[][];
  require?: unknown;
  process?: unknown;
  document: { createElement(tag: string): { src: string }; body: { append(e: unknown): void } };
  File: new (parts: string[], name: string) => unknown;
  [binding: string]: unknown;
}

const SAMPLE = join(appRoot, 'resources', 'sample', 'fashion-mnist');
/** Full Fashion-MNIST from Debian's dataset-fashion-mnist (installed by .ci/run); the sample where it is missing. */
const FASHION_MNIST = existsSync('/usr/share/datasets/fashion-mnist') ? '/usr/share/datasets/fashion-mnist' : SAMPLE;

let app: DesktopApp;
let dir: string;
let run: RunDetail;

const datasetsNow = async () => (await app.call('datasets.list', {})).map((d) => d.path);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-desktop-'));
  app = await openDesktopApp({ width: 1280, height: 800 });
});

afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the bridge (desktop host)', () => {
  it('gives the built page from disk one object, window.weightlapse, and no Node', async () => {
    // The router adds its hash (#/) once the page runs.
    expect(app.page.url().split('#')[0]).toBe(app.appPage.url);
    expect(app.page.url()).toMatch(/^file:\/\/.*\/out\/renderer\/index\.html(#.*)?$/);
    const globals = await app.page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      // The page cannot replace the bridge's methods.
      try {
        (g.weightlapse as unknown as Record<string, unknown>).call = () => null;
      } catch {
        // (frozen: a TypeError in strict code)
      }
      return { keys: Object.keys(g.weightlapse).sort(), require: typeof g.require, process: typeof g.process, frozen: Object.isFrozen(g.weightlapse) };
    });
    expect(globals).toEqual({ keys: ['call', 'on', 'pathForFile'], require: 'undefined', process: 'undefined', frozen: true });
    expect(await app.call('app.info', {})).toMatchObject({ shell: 'desktop', dbPath: app.dbPath });
  });

  it('lets through exactly the contract’s methods and events, refusing other names before they reach the main side', async () => {
    const replies = await app.page.evaluate(
      (names) => Promise.all(names.map((m) => (globalThis as unknown as PageGlobals).weightlapse.call(m, 'not an object'))),
      Object.keys(contract),
    );
    // Every name reached the main side, whose schema refused the input.
    expect(replies.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(Object.keys(contract).map(() => 'bad-input'));

    const before = app.ipcMain.invoked;
    const unknown = await app.page.evaluate(() => (globalThis as unknown as PageGlobals).weightlapse.call('runs.nope', {}));
    expect(unknown).toEqual({ ok: false, error: { code: 'not-found', message: 'unknown method "runs.nope"' } });
    expect(app.ipcMain.invoked).toBe(before);

    const subscribed = await app.page.evaluate((names) => {
      const bridge = (globalThis as unknown as PageGlobals).weightlapse;
      const ok = names.map((e) => typeof bridge.on(e, () => {}));
      let refused = '';
      try {
        bridge.on('run.nope', () => {});
      } catch (err) {
        refused = (err as Error).message;
      }
      return { ok, refused };
    }, Object.keys(events));
    expect(subscribed).toEqual({ ok: Object.keys(events).map(() => 'function'), refused: 'unknown event "run.nope"' });
  });

  it('carries typed arrays both ways, and refuses in the page what a structured clone cannot carry', async () => {
    const path = join(dir, 'bytes.gif');
    app.dialog.answers.save.push(path);
    const saved = await app.page.evaluate(() =>
      (globalThis as unknown as PageGlobals).weightlapse.call('files.saveGif', { suggestedName: 'bytes', bytes: new Uint8Array([71, 73, 70, 0, 255]) }),
    );
    expect(saved).toEqual({ ok: true, value: { path } });
    expect([...readFileSync(path)]).toEqual([71, 73, 70, 0, 255]);

    const samples = await app.page.evaluate(async () => {
      const reply = await (globalThis as unknown as PageGlobals).weightlapse.call('datasets.samples', { id: 1, perClass: 1 });
      return reply.ok ? (reply.value as { images: Uint8Array }).images instanceof Uint8Array : reply;
    });
    expect(samples).toBe(true);

    const before = app.ipcMain.invoked;
    const cloned = await app.page.evaluate(() =>
      (globalThis as unknown as PageGlobals).weightlapse.call('runs.list', { callback: () => 1 }).then(
        () => 'sent',
        (err: Error) => err.message,
      ),
    );
    expect(cloned).toBe('An object could not be cloned.');
    expect(app.ipcMain.invoked).toBe(before);
  });

  it('hands a listener the event’s payload only, never the IPC event', async () => {
    await app.page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.received = [];
      g.weightlapse.on('run.changed', (...args) => g.received.push(args));
    });
    app.core.ctx.emit('run.changed', { runId: 42 });
    await until('the event', async () => (await app.page.evaluate(() => (globalThis as unknown as PageGlobals).received.length)) > 0);
    expect(await app.page.evaluate(() => (globalThis as unknown as PageGlobals).received)).toEqual([[{ runId: 42 }]]);
  });
});

describe('the sender check (desktop host)', () => {
  it('refuses a call from a second frame in the window, and changes nothing', async () => {
    const before = await datasetsNow();
    const copy = join(dir, 'from-a-frame');
    cpSync(SAMPLE, copy, { recursive: true });
    await app.page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.document.body.append(g.document.createElement('iframe'));
    });
    await until('the frame', () => app.page.frames().length === 2);
    const frame = app.page.frames()[1]!;
    // The preload runs in the top frame only; a frame that reaches the IPC channel anyway is refused.
    expect(await frame.evaluate(() => typeof (globalThis as unknown as PageGlobals).weightlapse)).toBe('undefined');
    const reply = await frame.evaluate(([binding, channel, path]) => {
      const invoke = (globalThis as unknown as PageGlobals)[binding] as (channel: string, args: unknown[]) => Promise<unknown>;
      return invoke(channel, ['datasets.add', { path }]);
    }, [IPC_BINDING, CALL_CHANNEL, copy] as const);
    expect(reply).toEqual({ ok: false, error: { code: 'unavailable', message: 'refused: the call does not come from the app window' } });
    expect(await datasetsNow()).toEqual(before);
    await app.page.reload();
  });

  it('refuses the window’s calls once it shows a page outside the app', async () => {
    const foreign = join(dir, 'foreign.html');
    writeFileSync(foreign, '<!doctype html><title>elsewhere</title><p>not the app</p>');
    await app.page.goto(pathToFileURL(foreign).href);
    // The preload runs there too (it belongs to the window), but the main side refuses what it sends.
    const reply = await app.page.evaluate(() => (globalThis as unknown as PageGlobals).weightlapse.call('datasets.list', {}));
    expect(reply).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // Back on the app's page, the same calls are served again.
    await app.goto('');
    await app.page.locator('header.top').waitFor();
    expect(await app.page.evaluate(() => (globalThis as unknown as PageGlobals).weightlapse.call('datasets.list', {}))).toMatchObject({ ok: true });
  });
});

describe('the menu and native dialogs (desktop host)', () => {
  it('About Weightlapse shows the version and the backend', async () => {
    app.clickMenu('About Weightlapse');
    const help = app.page.getByTestId('shortcut-help');
    await help.waitFor();
    const info = await app.call('app.info', {});
    expect(await help.textContent()).toContain(`Weightlapse v${info.version} · trains on ${info.backend.name}`);
    expect(await help.textContent()).toContain('Drop a data set');
    await app.screenshot('about');
    await app.page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
  });

  it('Open Data Set… adds the folder chosen in the native chooser; cancelling adds nothing', async () => {
    const before = await datasetsNow();
    app.clickMenu('Open Data Set…');
    await until('the chooser', () => app.dialog.shown.some((d) => d.kind === 'open'));
    expect(app.dialog.shown.at(-1)).toMatchObject({ kind: 'open', parent: true, options: { properties: ['openDirectory'] } });
    expect(await datasetsNow()).toEqual(before);

    app.dialog.answers.open.push(FASHION_MNIST);
    app.clickMenu('Open Data Set…');
    // The data sets page's form adds it, and the table lists it.
    await until('the data set', async () => (await datasetsNow()).length === before.length + 1);
    expect(app.page.url()).toContain('#/datasets');
    await app.page.getByTestId('datasets-table').getByText(FASHION_MNIST === SAMPLE ? '6,000' : '60,000').first().waitFor();
    await app.screenshot('open-dataset');
  });

  it('takes a data set folder dropped on the window, and says what is wrong with one that is not', async () => {
    const copy = join(dir, 'dropped-sample');
    cpSync(SAMPLE, copy, { recursive: true });
    const before = await datasetsNow();
    await app.drop(copy, async () => {
      const note = app.page.getByTestId('drop-note');
      expect(await note.textContent()).toContain('Drop a data set folder or archive to add it');
      await app.screenshot('drop');
    });
    await until('the dropped data set', async () => (await datasetsNow()).includes(copy));

    const empty = join(dir, 'not-a-data-set');
    mkdirSync(empty);
    await app.drop(empty);
    const error = app.page.locator('#dataset-path-error');
    await until('the error', async () => ((await error.textContent()) ?? '').includes(empty));
    expect((await datasetsNow()).sort()).toEqual([...before, copy].sort());
    await app.screenshot('drop-error');
  });

  it('New Run… opens the form; a tiny run trains from it, and the title bar and the taskbar entry follow the run', async () => {
    await app.goto('#/runs');
    app.clickMenu('New Run…');
    const form = app.page.getByTestId('new-run');
    await form.waitFor();
    const sample = (await app.call('datasets.list', {})).find((d) => d.bundled)!;
    await form.locator('select[name="datasetId"]').selectOption(String(sample.id));
    await form.locator('input[name="name"]').fill('from the menu');
    await form.locator('input[name="epochs"]').fill('1');
    await form.locator('input[name="trainLimit"]').fill('256');
    await form.locator('input[name="testLimit"]').fill('64');
    // Four batches: the first one's progress is part of the way.
    await form.locator('input[name="batchSize"]').fill('64');
    const bar = app.progressBar.length;
    await form.getByRole('button', { name: 'Start training' }).click();
    await until('the run page', () => /#\/run\/\d+/.test(app.page.url()));
    const id = Number(/#\/run\/(\d+)/.exec(app.page.url())![1]);
    await until('the run to finish', async () => (await app.call('runs.get', { id })).status !== 'running');
    run = await app.call('runs.get', { id });
    expect(run).toMatchObject({ status: 'done', name: 'from the menu' });
    // The title names the run and the database (tests/e2e/desktop-databases.test.ts: another database).
    await until('the title', async () => (await app.title()) === 'from the menu — e2e.db — Weightlapse');
    // The taskbar entry showed the run getting on, and no bar once its trainer had gone.
    await until('the taskbar entry without a bar', () => app.progressBar.at(-1) === -1);
    const shown = app.progressBar.slice(bar, -1);
    expect(shown.some((p) => p > 0 && p < 1)).toBe(true);
    expect(shown.every((p, i) => p >= 0 && p < 1 && p >= (shown[i - 1] ?? 0))).toBe(true);
    expect(app.progressBar.slice(bar).filter((p) => p === -1)).toHaveLength(1);

    await app.call('runs.rename', { id, name: 'renamed' });
    await until('the new title', async () => (await app.title()) === 'renamed — e2e.db — Weightlapse');
    await app.goto('#/runs');
    await until('the app title', async () => (await app.title()) === 'e2e.db — Weightlapse');
  });

  it('Export GIF… saves the run’s animation where the save dialog says', async () => {
    await app.goto(`#/run/${run.id}`);
    await app.page.getByTestId('weights').waitFor();
    const saved = await app.exportedGif(async () => app.clickMenu('Export GIF…'));
    expect(saved.name).toBe('renamed-conv1.gif');
    expect(app.dialog.shown.at(-1)).toMatchObject({ kind: 'save', parent: true, options: { defaultPath: join(app.picturesDir, 'renamed-conv1.gif') } });
    expect(new GifReader(saved.bytes).numFrames()).toBe(run.snapshots.length);
    expect(app.errors).toEqual([]);
  });
});

describe('closing the window while a run trains (desktop host)', () => {
  it('asks; “Keep Training” keeps the window; “Stop Training and Quit” stops the trainer and keeps every stored epoch', async () => {
    const datasetId = (await app.call('datasets.list', {})).find((d) => d.bundled)!.id;
    const started = await app.call('runs.start', { datasetId, name: 'long', config: { epochs: 200, trainLimit: 128, testLimit: 32, batchSize: 32 } });
    await until('a trained epoch', async () => (await app.call('runs.get', { id: started.id })).snapshots.length >= 2);
    const pid = getStoredRun(app.core.ctx.db, started.id)!.pid!;
    expect(isSameProcess(pid, null)).toBe(true);

    app.dialog.answers.message.push(KEEP_TRAINING);
    expect(await app.closeWindow()).toBe('kept');
    expect(app.dialog.shown.at(-1)).toMatchObject({ kind: 'message', parent: true, options: { message: 'A run is still training.' } });
    expect((await app.call('runs.get', { id: started.id })).status).toBe('running');

    const stored = (await app.call('runs.get', { id: started.id })).snapshots.length;
    app.dialog.answers.message.push(STOP_AND_QUIT);
    expect(await app.closeWindow()).toBe('closed');
    expect(app.page.isClosed()).toBe(true);
    expect(app.core.ctx.db.open).toBe(false);
    await until('the trainer to end', () => !isSameProcess(pid, null));

    const db = openDatabase(app.dbPath, { readonly: true });
    try {
      expect(getStoredRun(db, started.id)).toMatchObject({ status: 'stopped', pid: null });
      expect(listSnapshots(db, started.id).length).toBeGreaterThanOrEqual(stored);
      expect(getStoredRun(db, run.id)).toMatchObject({ status: 'done' });
    } finally {
      db.close();
    }
  });
});
