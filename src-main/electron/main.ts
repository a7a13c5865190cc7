/**
 * The Electron main process: one window, the menu, native dialogs, and the API contract bound to IPC.
 * Kept thin: everything that is not Electron lives in core/ and is tested without it.
 */
import { app, BrowserWindow, dialog, Menu, screen, session, type WebContents } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventName, Events, Handlers } from '../../src-preload/api.ts';
import { EVENT_CHANNEL } from '../../src-preload/bridge.ts';
import { createHandlers } from '../core/api/handlers.ts';
import { resolveDbPath } from '../core/paths.ts';
import { openCore, type Core } from '../core/startup.ts';
import { listRuns } from '../core/store/runs.ts';
import { desktopHandlers } from './dialogs.ts';
import { bindIpc } from './ipc.ts';
import { buildMenu } from './menu.ts';
import { utilityTrainer } from './utility-trainer.ts';
import { appPage, guardWebContents, hardenSession, isTrustedSender } from './security.ts';
import { readWindowState, writeWindowState } from './window-state.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const isDev = !app.isPackaged && process.env.ELECTRON_RENDERER_URL !== undefined;
const page = appPage(join(here, '..', 'renderer', 'index.html'), isDev ? process.env.ELECTRON_RENDERER_URL : undefined);

let mainWindow: BrowserWindow | undefined;
let core: Core | undefined;

// Every renderer sandboxed, whatever a window's own options say.
app.enableSandbox();
// A second start focuses the first window instead of opening the database twice.
const primary = app.requestSingleInstanceLock();
if (!primary) app.quit();
app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.on('web-contents-created', (_event, contents) => guardWebContents(contents, page));

function send<E extends EventName>(target: WebContents | undefined, event: E, payload: Events[E]): void {
  if (target && !target.isDestroyed()) target.send(EVENT_CHANNEL, event, payload);
}

function createWindow(): BrowserWindow {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const { maximized, ...bounds } = readWindowState(stateFile, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Weightlapse',
    backgroundColor: '#f7f7f5',
    webPreferences: {
      preload: join(here, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // Middle-click would open links in new windows (which are denied anyway).
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: isDev,
    },
  });
  if (maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  win.on('close', (event) => onWindowClose(win, event, stateFile));
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
  });
  void win.loadURL(page.url);
  return win;
}

/** Saves the bounds, and asks before a close would stop a training run. */
function onWindowClose(win: BrowserWindow, event: Electron.Event, stateFile: string): void {
  writeWindowState(stateFile, win.getNormalBounds(), win.isMaximized());
  if (!mayStopTraining(win)) event.preventDefault();
}

/** Asked once per quit, whether it starts from the window's close button or from Quit in the menu. */
let stopConfirmed = false;

/** True when nothing is training, or the person agreed to stop it. */
function mayStopTraining(win: BrowserWindow | undefined): boolean {
  const running = runningRunIds();
  if (stopConfirmed || running.length === 0) return true;
  const options: Electron.MessageBoxSyncOptions = {
    type: 'question',
    buttons: ['Stop Training and Quit', 'Keep Training'],
    defaultId: 1,
    cancelId: 1,
    message: running.length === 1 ? 'A run is still training.' : `${running.length} runs are still training.`,
    detail: 'Quitting stops training. The epochs finished so far are kept, and the run can be resumed later.',
  };
  const choice = win ? dialog.showMessageBoxSync(win, options) : dialog.showMessageBoxSync(options);
  stopConfirmed = choice === 0;
  return stopConfirmed;
}

/** The runs this app's own trainers are training now (a CLI training beside it is not ours to stop). */
function runningRunIds(): number[] {
  if (!core) return [];
  const { trainers } = core.ctx;
  try {
    return listRuns(core.ctx.db)
      .filter((r) => r.status === 'running' && trainers.owns(r.id))
      .map((r) => r.id);
  } catch (err) {
    console.warn(`weightlapse: could not check for running runs: ${(err as Error).message}`);
    return [];
  }
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession, page);
  // Trainers run in Electron utility processes (out/main/trainer-process.js), which the app owns and ends.
  core = await openCore(resolveDbPath(), { host: 'desktop', spawnTrainer: utilityTrainer(here) });
  const handlers: Handlers = createHandlers(core.ctx, desktopHandlers(() => mainWindow));
  bindIpc(handlers, (event) => isTrustedSender(event, mainWindow?.webContents, page));
  core.subscribe((event, payload) => send(mainWindow?.webContents, event, payload));
  const menu = buildMenu((command) => send(mainWindow?.webContents, 'menu.command', { command }), {
    isMac: process.platform === 'darwin',
    isDev,
  });
  Menu.setApplicationMenu(menu);
  mainWindow = createWindow();
}

if (primary) {
  app.whenReady().then(start).catch((err: unknown) => {
    dialog.showErrorBox('Weightlapse cannot start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}

// One window: closing it quits, on every platform, so no trainer outlives the window that shows it.
app.on('window-all-closed', () => app.quit());

// Quitting waits for the core to stop its trainers and close the database: no orphan process.
let closed = false;
app.on('before-quit', (event) => {
  if (closed || !core) return;
  event.preventDefault();
  if (!mayStopTraining(mainWindow)) return;
  const closing = core;
  core = undefined;
  closing.close().finally(() => {
    closed = true;
    app.quit();
  });
});

