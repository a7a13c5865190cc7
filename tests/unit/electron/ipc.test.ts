/**
 * The contract bound to IPC (desktop.ts, ipc.ts, security.ts) around a real core on a real database,
 * with only Electron's objects stood in for: calls from the main window's top frame are served, with
 * typed arrays intact; calls from anywhere else are refused and change nothing; malformed calls get
 * the same error data as over HTTP; the core's events and the menu's commands reach the window.
 */
import type { BrowserWindow, IpcMainInvokeEvent, WebFrameMain } from 'electron';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, DatasetInfo, DatasetSamples } from '../../../src-preload/api.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../../src-preload/bridge.ts';
import { forkTrainer } from '../../../src-main/core/training/fork.ts';
import { openDesktop, type Desktop } from '../../../src-main/electron/desktop.ts';
import { recentDatabases } from '../../../src-main/electron/recent.ts';
import { appPage } from '../../../src-main/electron/security.ts';
import { startServer, type RunningServer } from '../../../src-main/server/index.ts';
import { call as httpCall } from '../server/http.ts';
import { DialogStandIn, IpcMainStandIn, RecentDocumentsStandIn } from './standins.ts';

const dir = mkdtempSync(join(tmpdir(), 'wl-ipc-'));
const indexHtml = join(dir, 'renderer', 'index.html');
const page = appPage(indexHtml, undefined);
const pageUrl = pathToFileURL(indexHtml).href;

/** A frame as Electron's WebFrameMain shows it to a handler: what it shows, and who it is (by identity). */
const frame = (url: string) => ({ url }) as WebFrameMain;

/** A window's web contents: its top frame, and what it was sent. */
function contents(url: string) {
  const sent: unknown[][] = [];
  let destroyed = false;
  const webContents = {
    mainFrame: frame(url),
    send: (...args: unknown[]) => void sent.push(structuredClone(args)),
    isDestroyed: () => destroyed,
  };
  return { webContents, sent, destroy: () => void (destroyed = true) };
}

let ipcMain: IpcMainStandIn;
let win: ReturnType<typeof contents> | undefined;
let desktop: Desktop;
let server: RunningServer;
let sample: DatasetInfo;

/** An invoke from `frame` of `sender`, as the preload makes it. */
const invoke = (sender: unknown, from: WebFrameMain | null, method: unknown, input: unknown) =>
  ipcMain.invoke({ sender, senderFrame: from } as IpcMainInvokeEvent, CALL_CHANNEL, method, input) as Promise<ApiResult<unknown>>;
/** An invoke from the main window's page. */
const fromApp = (method: unknown, input: unknown) => invoke(win!.webContents, win!.webContents.mainFrame, method, input);

beforeAll(async () => {
  ipcMain = new IpcMainStandIn();
  win = contents(`${pageUrl}#/runs`);
  desktop = await openDesktop({
    dbPath: join(dir, 'desktop.db'),
    page,
    ipcMain,
    dialog: new DialogStandIn(),
    window: () => win as unknown as BrowserWindow | undefined,
    picturesDir: dir,
    spawnTrainer: forkTrainer(),
    recent: recentDatabases(join(dir, 'recent.json'), new RecentDocumentsStandIn()),
  });
  server = await startServer({ dbPath: join(dir, 'server.db'), warn: () => {} });
  const listed = await fromApp('datasets.list', {});
  sample = (listed as { ok: true; value: DatasetInfo[] }).value.find((d) => d.bundled)!;
});

afterAll(async () => {
  await desktop?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IPC calls from the app window', () => {
  it('are served through the contract, typed arrays intact across the structured clone', async () => {
    expect(sample).toMatchObject({ format: 'idx', shape: [28, 28, 1], available: true });
    const reply = await fromApp('datasets.samples', { id: sample.id, perClass: 2 });
    expect(reply.ok).toBe(true);
    const samples = (reply as { ok: true; value: DatasetSamples }).value;
    expect(samples.images).toBeInstanceOf(Uint8Array);
    expect(samples.images.length).toBe(20 * 28 * 28);
    expect(samples.labels).toHaveLength(20);
    expect(await fromApp('app.info', {})).toMatchObject({ ok: true, value: { shell: 'desktop' } });
  });

  it('come back as data when the handler fails, naming the field', async () => {
    expect(await fromApp('runs.get', { id: 999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await fromApp('datasets.add', { path: join(dir, 'nowhere') })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });
});

describe('the sender check', () => {
  const refused = { ok: false, error: { code: 'unavailable', message: 'refused: the call does not come from the app window' } };
  const warnings: string[] = [];
  const warn = console.warn;
  beforeAll(() => void (console.warn = (message: string) => void warnings.push(message)));
  afterAll(() => void (console.warn = warn));

  /** Runs `fn` while the app window is `shown` (or there is none). */
  async function withWindow<T>(shown: ReturnType<typeof contents> | undefined, fn: () => Promise<T>): Promise<T> {
    const saved = win;
    win = shown;
    try {
      return await fn();
    } finally {
      win = saved;
    }
  }

  it('refuses a subframe of the app window, another window and a destroyed frame, saying where the call came from', async () => {
    const other = contents(pageUrl);
    warnings.length = 0;
    expect(await invoke(win!.webContents, frame(pageUrl), 'datasets.list', {}), 'subframe').toEqual(refused);
    expect(await invoke(other.webContents, other.webContents.mainFrame, 'datasets.list', {}), 'another window').toEqual(refused);
    expect(await invoke(win!.webContents, null, 'datasets.list', {}), 'destroyed frame').toEqual(refused);
    expect(warnings).toEqual([
      `weightlapse: refused an IPC call from ${pageUrl}`,
      `weightlapse: refused an IPC call from ${pageUrl}`,
      'weightlapse: refused an IPC call from a destroyed frame',
    ]);
  });

  it('refuses the app window once it shows a page outside the app', async () => {
    for (const url of ['https://example.com/', pathToFileURL(join(dir, 'renderer', 'other.html')).href, `${pageUrl}/..`]) {
      const navigated = contents(url);
      expect(await withWindow(navigated, () => invoke(navigated.webContents, navigated.webContents.mainFrame, 'app.info', {})), url).toEqual(refused);
    }
  });

  it('accepts the app page with any route in its hash or query', async () => {
    for (const url of [pageUrl, `${pageUrl}#/run/3?layer=conv2`, `${pageUrl}?x=1#/datasets`]) {
      const shown = contents(url);
      expect((await withWindow(shown, () => invoke(shown.webContents, shown.webContents.mainFrame, 'app.info', {}))).ok, url).toBe(true);
    }
  });

  it('refuses everything while there is no window', async () => {
    const gone = win!;
    expect(await withWindow(undefined, () => invoke(gone.webContents, gone.webContents.mainFrame, 'app.info', {}))).toEqual(refused);
  });

  it('changes nothing stored when it refuses', async () => {
    const before = await fromApp('datasets.list', {});
    expect(await invoke(win!.webContents, frame(pageUrl), 'datasets.remove', { id: sample.id })).toEqual(refused);
    expect(await invoke(contents(pageUrl).webContents, null, 'datasets.remove', { id: sample.id })).toEqual(refused);
    expect(await fromApp('datasets.list', {})).toEqual(before);
  });
});

describe('malformed calls', () => {
  // Inputs that JSON can carry, so that HTTP sees the same call.
  const calls: [string, unknown][] = [
    ['runs.nope', {}],
    ['__proto__', {}],
    ['runs.get', { id: '1' }],
    ['runs.get', { id: 2 ** 60 }],
    ['runs.get', { id: 1, extra: true }],
    ['runs.get', {}],
    ['runs.rename', { id: 1, name: '   ' }],
    ['runs.start', { datasetId: 1, config: { epochs: 0 } }],
    ['weights.get', { runId: 1, tensor: 'conv9/kernel', seq: 0 }],
    ['datasets.inspect', { path: 'a\u0000b' }],
    ['datasets.list', 'not an object'],
    ['datasets.list', [1, 2]],
  ];

  it('get the same error data over IPC as over HTTP, which answers them 4xx', async () => {
    for (const [method, input] of calls) {
      const overIpc = await fromApp(method, input);
      const overHttp = await httpCall(server.port, server.token, method, input);
      const label = `${method} ${JSON.stringify(input)}`;
      expect(overIpc.ok, label).toBe(false);
      expect(overHttp.status, label).toBeGreaterThanOrEqual(400);
      expect(overHttp.status, label).toBeLessThan(500);
      expect(overHttp.json(), label).toEqual(overIpc);
    }
  });

  it('that IPC alone can carry (a method that is not a string, a typed array as input) are refused as data too', async () => {
    expect(await fromApp(42, {})).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await fromApp('runs.get', new Float32Array([1]))).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(await fromApp('files.saveGif', { suggestedName: 'x', bytes: 'GIF89a' })).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'bytes' } });
  });
});

describe('events to the window', () => {
  it('sends the core’s events and the menu’s commands on the event channel, and nothing to a destroyed window', () => {
    win!.sent.length = 0;
    desktop.core.ctx.emit('run.changed', { runId: 7 });
    desktop.menuCommand('about');
    expect(win!.sent).toEqual([
      [EVENT_CHANNEL, 'run.changed', { runId: 7 }],
      [EVENT_CHANNEL, 'menu.command', { command: 'about' }],
    ]);
    win!.destroy();
    desktop.core.ctx.emit('run.changed', { runId: 8 });
    expect(win!.sent).toHaveLength(2);
    win = contents(`${pageUrl}#/runs`);
  });
});

describe('closing', () => {
  it('unbinds the call channel and closes the database', async () => {
    const ipc = new IpcMainStandIn();
    const other = await openDesktop({
      dbPath: join(dir, 'closing.db'),
      page,
      ipcMain: ipc,
      dialog: new DialogStandIn(),
      window: () => undefined,
      picturesDir: dir,
      spawnTrainer: forkTrainer(),
      recent: recentDatabases(join(dir, 'recent.json'), new RecentDocumentsStandIn()),
    });
    expect(ipc.hasHandler(CALL_CHANNEL)).toBe(true);
    await other.close();
    expect(ipc.hasHandler(CALL_CHANNEL)).toBe(false);
    expect(other.core.ctx.db.open).toBe(false);
  });
});
