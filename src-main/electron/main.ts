/**
 * The Electron main process: one window, the menu, and the app's lifecycle. Kept thin: the main side
 * around the core (IPC, events, dialogs, the database and switching it) is desktop.ts, the close-while-
 * training flow quit.ts, the menu menu.ts, the recent databases recent.ts, the command line arguments.ts,
 * the window's crashes and hangs window-watch.ts, the log log.ts; they take Electron's objects from here,
 * and the tests run them with stand-ins.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, nativeTheme, screen, session, shell } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveDbPath } from '../core/paths.ts';
import { backgroundHex } from '../shared/render/palette.ts';
import { spawnerByBackend } from '../core/training/trainer-host.ts';
import { databaseArgument, isStartArguments, type StartArguments } from './arguments.ts';
import { openDesktop, type Desktop } from './desktop.ts';
import { openLog } from './log.ts';
import { menuTemplate } from './menu.ts';
import { quitGuard } from './quit.ts';
import { recentDatabases } from './recent.ts';
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

const log = openLog(app.getPath('logs'));
log.captureConsole();
log.catchErrors((error) => dialog.showErrorBox('Weightlapse: an error in the main process', `${error.stack ?? error.message}\n\nThe log has it too: ${log.file}`));
log.info(`Weightlapse ${app.getVersion()} starting (Electron ${process.versions.electron}, ${process.platform} ${process.arch})`);

// Every renderer sandboxed, whatever a window's own options say.
app.enableSandbox();
// The arguments before ours: the executable, and the app's folder when started as `electron .`.
const skip = process.defaultApp ? 2 : 1;
const started: StartArguments = { argv: process.argv, cwd: process.cwd() };
/** The database the command line (or, on macOS, the Finder, before the app was ready) asked for. */
let requested = databaseArgument(started, skip);
// A second start focuses the first window instead of opening the database twice, and hands it the
// database it names.
const primary = app.requestSingleInstanceLock(started);
if (!primary) app.quit();
app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
  if (mainWindow?.isMinimized()) mainWindow.restore();
  mainWindow?.focus();
  const path = databaseArgument(isStartArguments(additionalData) ? additionalData : { argv, cwd: workingDirectory }, skip);
  if (path) void desktop?.openDatabase(path, 'either');
});
// macOS: a database opened from the Finder or dropped on the Dock icon.
app.on('open-file', (event, path) => {
  event.preventDefault();
  if (desktop) void desktop.openDatabase(path);
  else requested = path;
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
  desktop?.watchWindow(win.webContents);
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
  const recent = recentDatabases(join(app.getPath('userData'), 'recent-databases.json'), app);
  const buildMenu = () => {
    if (!desktop) return;
    const actions = desktop.menuActions(() => void shell.openPath(log.dir).then((error) => error && console.error(`weightlapse: opening ${log.dir}: ${error}`)));
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(actions, { isMac: process.platform === 'darwin', isDev, recent: recent.list() })));
  };
  desktop = await openDesktop({
    dbPath: requested ?? resolveDbPath(),
    fallbackDbPath: requested === undefined ? undefined : resolveDbPath(),
    page,
    ipcMain,
    dialog,
    window: () => mainWindow,
    picturesDir: app.getPath('pictures'),
    // Trainers run in Electron utility processes (out/main/trainer-process.js), which the app owns and
    // ends; WebGPU and WebGL runs in a hidden trainer window on its own hardened session. Both logged.
    spawnTrainer: spawnerByBackend({ process: log.trainers(utilityTrainer(here)), window: log.trainers(windowTrainer(trainerWindow())) }),
    recent,
    onChange: buildMenu,
  });
  buildMenu();
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
