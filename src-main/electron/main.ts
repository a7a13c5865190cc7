/**
 * The Electron main process: one window, the menu, and the app's lifecycle. Kept thin: the main side
 * around the core (IPC, events, dialogs) is desktop.ts, the close-while-training flow quit.ts, the menu
 * menu.ts; they take Electron's objects from here, and the end-to-end tests run them with stand-ins.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, nativeTheme, screen, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveDbPath } from '../core/paths.ts';
import { backgroundHex } from '../shared/render/palette.ts';
import { spawnerByBackend } from '../core/training/trainer-host.ts';
import { openDesktop, type Desktop } from './desktop.ts';
import { menuTemplate } from './menu.ts';
import { quitGuard } from './quit.ts';
import { appPage, guardWebContents, hardenSession } from './security.ts';
import { utilityTrainer } from './utility-trainer.ts';
import { openElectronTrainerWindow, windowTrainer } from './window-trainer.ts';
import { readWindowState, writeWindowState } from './window-state.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const isDev = !app.isPackaged && process.env.ELECTRON_RENDERER_URL !== undefined;
const page = appPage(join(here, '..', 'renderer', 'index.html'), isDev ? process.env.ELECTRON_RENDERER_URL : undefined);
const trainerPage = appPage(join(here, '..', 'renderer', 'trainer-window.html'), isDev ? `${process.env.ELECTRON_RENDERER_URL}/trainer-window.html` : undefined);

let mainWindow: BrowserWindow | undefined;
let desktop: Desktop | undefined;

// Every renderer sandboxed, whatever a window's own options say.
app.enableSandbox();
// A second start focuses the first window instead of opening the database twice.
const primary = app.requestSingleInstanceLock();
if (!primary) app.quit();
app.on('second-instance', () => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
});

app.on('web-contents-created', (_event, contents) => guardWebContents(contents, page, (url) => shell.openExternal(url)));

const guard = quitGuard({
  training: () => desktop?.training() ?? [],
  dialog,
  window: () => mainWindow,
  shutdown: async () => {
    const closing = desktop;
    desktop = undefined;
    await closing?.close();
  },
  quit: () => app.quit(),
});

/** The page's background in the system's theme: the window never flashes the other one before the page paints. */
const pageBackground = () => backgroundHex(nativeTheme.shouldUseDarkColors ? 'dark' : 'light');

function createWindow(): BrowserWindow {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const { maximized, ...bounds } = readWindowState(stateFile, screen.getAllDisplays().map((d) => d.workArea));
  const win = new BrowserWindow({
    ...bounds,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Weightlapse',
    backgroundColor: pageBackground(),
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
  win.on('close', (event) => {
    writeWindowState(stateFile, win.getNormalBounds(), win.isMaximized());
    guard.onClose(event);
  });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
  });
  void win.loadURL(page.url);
  return win;
}

function trainerWindow() {
  const trainerSession = session.fromPartition('weightlapse-trainer');
  hardenSession(trainerSession, trainerPage);
  return openElectronTrainerWindow({ BrowserWindow, MessageChannelMain }, trainerSession, {
    url: trainerPage.url,
    preload: join(here, '..', 'preload', 'trainer-window.cjs'),
  });
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession, page);
  desktop = await openDesktop({
    dbPath: resolveDbPath(),
    page,
    ipcMain,
    dialog,
    window: () => mainWindow,
    picturesDir: app.getPath('pictures'),
    // Trainers run in Electron utility processes (out/main/trainer-process.js), which the app owns and
    // ends; WebGPU and WebGL runs in a hidden trainer window on its own hardened session.
    spawnTrainer: spawnerByBackend({ process: utilityTrainer(here), window: windowTrainer(trainerWindow()) }),
  });
  const opened = desktop;
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate((command) => opened.menuCommand(command), { isMac: process.platform === 'darwin', isDev })));
  mainWindow = createWindow();
  nativeTheme.on('updated', () => mainWindow?.setBackgroundColor(pageBackground()));
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
app.on('before-quit', (event) => guard.onBeforeQuit(event));
