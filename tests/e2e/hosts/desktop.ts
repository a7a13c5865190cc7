/**
 * The desktop host: the desktop app's window without the Electron binary. The page is the built
 * renderer from disk (out/renderer/index.html, as the app loads it) in headless Chromium; before its
 * scripts, the real built preload (out/preload/index.cjs) runs with a `require('electron')` that
 * returns stand-ins (electron-page.ts). Its invokes travel through a Playwright binding to the real
 * main side (src-main/electron/desktop.ts: the core, IPC behind the sender check, the native-dialog
 * calls, events, menu commands) on a stand-in ipcMain; events come back through webContents.send.
 * Both ways the values cross by structured clone, as in Electron. The window's close runs the real
 * quit flow (quit.ts); the menu is the real template (menu.ts) with the real actions, the recent
 * databases among them, and the log the real one (log.ts) in the test's folder. Only Electron's own
 * objects are stood in for: ipcMain, ipcRenderer, contextBridge, webUtils, the event's sender and
 * senderFrame, the web contents (send, their load and crash events, reload, forcefullyCrashRenderer),
 * the window's taskbar entry (setProgressBar, recorded), dialog, the OS's recent documents, and the app's
 * quit sequence (close → window-all-closed → before-quit).
 *
 * Not reproduced: the preload's isolated world (here the preload and the page share one, so the
 * binding is a page global), the sandbox, utilityProcess (trainers are forked with Node from the same
 * built entry), the session's request filter and navigation guards, window state and native menus.
 * tests/e2e/README.md lists what only a real Electron binary checks.
 *
 * Another window of the app (the hidden trainer window, when it exists) is another `openWindow`
 * in the same browser context, with its own preload bundle; its MessagePort protocol would cross the
 * same way as invokes do here (a binding per port, values cloned).
 */
import type { BrowserWindow, MenuItemConstructorOptions, WebContents } from 'electron';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import type { ApiResult, Input, MethodName, Output } from '../../../src-preload/api.ts';
import { CALL_CHANNEL } from '../../../src-preload/bridge.ts';
import { appRoot, rendererDir } from '../../../src-main/core/paths.ts';
import { forkTrainer } from '../../../src-main/core/training/fork.ts';
import { openDesktop, type Desktop } from '../../../src-main/electron/desktop.ts';
import { openLog, type AppLog } from '../../../src-main/electron/log.ts';
import { menuTemplate } from '../../../src-main/electron/menu.ts';
import { quitGuard } from '../../../src-main/electron/quit.ts';
import { recentDatabases } from '../../../src-main/electron/recent.ts';
import { appPage, type AppPage } from '../../../src-main/electron/security.ts';
import { DialogStandIn, IpcMainStandIn, ProgressBarStandIn, RecentDocumentsStandIn } from '../../unit/electron/standins.ts';
import { launchBrowser, newContext, screenshot, watchPage, type OpenApp } from './chromium.ts';
import { preloadScript } from './electron-page.ts';
import { until } from '../../helpers.ts';

/** The page global through which the stand-in ipcRenderer reaches the main side. */
export const IPC_BINDING = '__weightlapseIpc';

export interface DesktopApp extends OpenApp {
  host: 'desktop';
  desktop: Desktop;
  page: Page;
  ipcMain: IpcMainStandIn;
  /** The native dialogs: queue the person's answers in `dialog.answers`, read what was shown in `dialog.shown`. */
  dialog: DialogStandIn;
  /** The app's own page, as the sender check knows it. */
  appPage: AppPage;
  /** The OS's recent documents (app.addRecentDocument). */
  recentDocuments: RecentDocumentsStandIn;
  /** The app's log (in the test's folder, where the app has the platform's log folder). */
  log: AppLog;
  /** The folders Help → Open Logs Folder showed. */
  logsShown: string[];
  /** Clicks the item of the application menu with this label (at any depth: Open Recent's paths too). */
  clickMenu(label: string): void;
  /** The labels of a submenu's items, as the menu is now (separators as "(separator)"). */
  menuLabels(submenu: string): string[];
  /** Crashes the window's renderer, as a bug in the page or Chromium running out of memory would. */
  crashRenderer(): Promise<void>;
  /** Hangs the window's page in an endless loop, and has Electron's hang monitor notice (`unresponsive`). */
  hangRenderer(): Promise<void>;
  /** Where the save dialog starts (the user's Pictures folder in the app). */
  picturesDir: string;
  /** Drags a file or folder from disk over the window (`whileOver` runs then) and drops it. */
  drop(path: string, whileOver?: () => Promise<void>): Promise<void>;
  /** The window's title (Electron's follows the page's). */
  title(): Promise<string>;
  /** Every value the window's taskbar entry was given (`setProgressBar`: 0 to 1, -1 for none), in order. */
  progressBar: readonly number[];
  /** Closes the window as its close button does: 'kept' when the close was cancelled. */
  closeWindow(): Promise<'closed' | 'kept'>;
}

/**
 * A window: a page with the preload injected, and the web contents the main side sees. Like Electron's, the
 * web contents outlive their renderer: when the page's renderer crashes (`render-process-gone`), a reload
 * shows the page again in a new one (here a new Playwright page in the same context, since a crashed one
 * cannot be used again). `forcefullyCrashRenderer` ends the renderer as Electron's does, hung or not.
 */
async function openWindow(context: BrowserContext, preloadSource: string, record: Pick<OpenApp, 'errors' | 'failedRequests'>) {
  /** The browser's renderer processes now (the browser is this window's alone). */
  const renderers = async () => {
    const cdp = await context.browser()!.newBrowserCDPSession();
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    await cdp.detach();
    return new Set(processInfo.filter((p) => p.type === 'renderer').map((p) => p.id));
  };
  const before = await renderers();
  let page = await context.newPage();
  /** The renderers that came with the page: its own, to be ended as Electron ends a window's. */
  let pageRenderers: number[] = [];
  const noteRenderers = async () => {
    pageRenderers = [...(await renderers())].filter((pid) => !before.has(pid));
  };
  let crashed = false;
  let killing = false;
  /** What the window shows, kept across a crash (a crashed page forgets nothing here, but is closed). */
  let url = '';
  let ending: Promise<unknown> = Promise.resolve();
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  const emit = (event: string, ...args: unknown[]) => (listeners.get(event) ?? []).forEach((listener) => listener(...args));
  const follow = async (target: Page) => {
    watchPage(target, record);
    target.on('framenavigated', (frame) => {
      if (frame === target.mainFrame()) url = frame.url();
    });
    target.on('load', () => emit('did-finish-load'));
    target.on('crash', () => {
      crashed = true;
      // Playwright does not say the renderer's exit code.
      emit('render-process-gone', {}, { reason: killing ? 'killed' : 'crashed', exitCode: -1 });
      killing = false;
    });
    await target.addInitScript({ content: preloadScript(preloadSource, IPC_BINDING) });
  };
  const frames = new WeakMap<Frame, { readonly url: string }>();
  /** One stand-in per frame, so that the sender check's identity comparison means what it does in Electron. */
  const frameOf = (frame: Frame) => {
    let main = frames.get(frame);
    if (!main) frames.set(frame, (main = { get url() { return frame.url(); } }));
    return main;
  };
  let delivery = Promise.resolve();
  let closed = false;
  const progressBar = new ProgressBarStandIn();
  const webContents = {
    get mainFrame() {
      return frameOf(page.mainFrame());
    },
    isDestroyed: () => closed,
    /** Events reach the page in order, cloned; one sent while the page reloads is lost, as in Electron. */
    send(channel: string, ...args: unknown[]) {
      const copied = structuredClone(args);
      const target = page;
      delivery = delivery
        .then(() => target.evaluate(([c, a]) => (globalThis as unknown as { __electronDeliver?: (c: string, a: unknown[]) => void }).__electronDeliver?.(c, a), [channel, copied] as const))
        .catch(() => {});
    },
    on(event: string, listener: (...args: unknown[]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return webContents;
    },
    async loadURL(to: string) {
      await page.goto(to);
    },
    reload() {
      const reloaded = ending.then(async () => {
        if (!crashed) return page.reload();
        crashed = false;
        const before = await renderers();
        page = await context.newPage();
        await follow(page);
        await page.goto(url);
        pageRenderers = [...(await renderers())].filter((pid) => !before.has(pid));
      });
      void reloaded.catch((err: Error) => record.errors.push(`reloading the window: ${err.message}`));
    },
    forcefullyCrashRenderer() {
      killing = true;
      ending = crash();
    },
  };
  /**
   * Ends the renderer as the OS does (SIGKILL): the DevTools protocol's Page.crash leaves a renderer that no
   * new page can use. The page's renderers are those that came with it (see `renderers`).
   */
  const crash = async () => {
    const target = page;
    const gone = new Promise((resolve) => target.once('crash', resolve));
    for (const pid of pageRenderers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // (one that served only its first blank page has gone already)
      }
    }
    await gone;
  };
  return {
    get page() {
      return page;
    },
    /** The window's taskbar entry, as the main side set it. */
    progressBar,
    window: { webContents, setProgressBar: (value: number) => progressBar.setProgressBar(value) } as unknown as BrowserWindow,
    webContents: webContents as unknown as WebContents,
    senderOf: (frame: Frame) => ({ sender: webContents, senderFrame: frame.isDetached() ? null : frameOf(frame) }),
    install: () => follow(page),
    /** Notes which renderers are the page's, once it has loaded. */
    noteRenderers,
    /** The renderer crashes (a bug in the page, Chromium out of memory): `render-process-gone`. */
    crash: () => crash(),
    /**
     * The page hangs (a loop that never ends), and Electron's hang monitor says so: `unresponsive` once the page
     * no longer answers.
     */
    async hang() {
      const target = page;
      void target.evaluate(() => {
        for (;;);
      }).catch(() => {});
      const answered = await Promise.race([target.evaluate(() => true).catch(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 1000))]);
      if (answered) throw new Error('the page still answers');
      emit('unresponsive');
    },
    close() {
      closed = true;
    },
  };
}

export async function openDesktopApp(viewport: { width: number; height: number }): Promise<DesktopApp> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-e2e-desktop-'));
  const firstDb = join(dir, 'e2e.db');
  const ownPage = appPage(join(rendererDir, 'index.html'), undefined);
  const preloadSource = readFileSync(join(appRoot, 'out', 'preload', 'index.cjs'), 'utf8');
  const ipcMain = new IpcMainStandIn();
  const dialog = new DialogStandIn();
  const recentDocuments = new RecentDocumentsStandIn();
  const recent = recentDatabases(join(dir, 'user-data', 'recent-databases.json'), recentDocuments);
  // As main.ts does: what the main side says on its console goes to the log too.
  const log = openLog(join(dir, 'logs'));
  const releaseConsole = log.captureConsole();
  const logsShown: string[] = [];
  // Electron lets a file:// page load its module scripts; Chromium needs to be told.
  const browser = await launchBrowser(['--allow-file-access-from-files']);
  let windowOpen = true;
  let desktop: Desktop | undefined;
  try {
    const context: BrowserContext = await newContext(browser, { viewport, colorScheme: 'dark' });
    const watched = { errors: [] as string[], failedRequests: [] as string[] };
    const mainWindow = await openWindow(context, preloadSource, watched);
    const window = () => (windowOpen ? mainWindow.window : undefined);
    let menuItems: MenuItemConstructorOptions[] = [];
    const buildMenu = () => {
      if (!desktop) return;
      const menu = menuTemplate(desktop.menuActions(() => logsShown.push(log.dir)), { isMac: false, isDev: false, recent: recent.list() });
      const flat = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
        items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flat(item.submenu) : [])]);
      menuItems = flat(menu);
    };
    const opened = (desktop = await openDesktop({
      dbPath: firstDb,
      page: ownPage,
      ipcMain,
      dialog,
      window,
      picturesDir: dir,
      // The app starts the same built entry with utilityProcess.fork.
      spawnTrainer: log.trainers(forkTrainer(join(appRoot, 'out', 'main', 'trainer-process.js'))),
      recent,
      onChange: buildMenu,
    }));
    buildMenu();
    const inFlight = new Set<Promise<unknown>>();
    await context.exposeBinding(IPC_BINDING, (source, channel: string, args: unknown[]) => {
      const answer = ipcMain.invoke(mainWindow.senderOf(source.frame), channel, ...args);
      inFlight.add(answer);
      void answer.catch(() => {}).finally(() => inFlight.delete(answer));
      return answer;
    });
    await mainWindow.install();
    opened.watchWindow(mainWindow.webContents);

    // The app's quit sequence, wired as main.ts wires it: close → closed → window-all-closed → app.quit() → before-quit.
    let quitted!: () => void;
    const quitDone = new Promise<void>((resolve) => (quitted = resolve));
    const cancellable = () => ({ prevented: false, preventDefault() { this.prevented = true; } });
    const quit = () => {
      const event = cancellable();
      guard.onBeforeQuit(event);
      if (!event.prevented) quitted();
    };
    const guard = quitGuard({ training: () => opened.training(), dialog, window, shutdown: () => opened.close(), quit });

    const response = await mainWindow.page.goto(ownPage.url, { waitUntil: 'load' });
    if (!response?.ok()) throw new Error(`opening ${ownPage.url} gave ${response?.status()}`);
    await mainWindow.noteRenderers();

    let exports = 0;
    const app: DesktopApp = {
      host: 'desktop',
      get dbPath() {
        return opened.core.ctx.dbPath;
      },
      get core() {
        return opened.core;
      },
      desktop: opened,
      browser,
      context,
      get page() {
        return mainWindow.page;
      },
      ipcMain,
      dialog,
      recentDocuments,
      log,
      logsShown,
      appPage: ownPage,
      picturesDir: dir,
      ...watched,
      screenshot: (name, of) => screenshot(mainWindow.page, `desktop-${name}`, of),
      /** Through the IPC binding, as the window's preload calls it (the page's own calls go through the preload). */
      async call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
        const result = (await ipcMain.invoke(mainWindow.senderOf(mainWindow.page.mainFrame()), CALL_CHANNEL, method, input)) as ApiResult<Output<M>>;
        if (!result.ok) throw new Error(`${method}: ${result.error.code}: ${result.error.message}`);
        return result.value;
      },
      async goto(route) {
        await mainWindow.page.goto(`${ownPage.url}${route}`);
      },
      async exportedGif(trigger) {
        const path = join(dir, `export-${++exports}.gif`);
        dialog.answers.save.push(path);
        const shown = dialog.shown.length;
        await trigger();
        await until('the save dialog', () => dialog.shown.slice(shown).some((d) => d.kind === 'save'), 50);
        // The call that showed it writes the file before it answers.
        await Promise.all(inFlight);
        const asked = dialog.shown.filter((d) => d.kind === 'save').at(-1)!;
        return { name: basename(asked.options.defaultPath!), bytes: new Uint8Array(readFileSync(path)) };
      },
      clickMenu(label) {
        const item = menuItems.find((i) => i.label === label);
        if (!item?.click) throw new Error(`the menu has no item “${label}”`);
        item.click({} as never, undefined, {} as never);
      },
      menuLabels: (submenu) => {
        const parent = menuItems.find((i) => i.label === submenu);
        return Array.isArray(parent?.submenu) ? parent.submenu.map((i) => i.label ?? `(${i.type ?? i.role})`) : [];
      },
      crashRenderer: () => mainWindow.crash(),
      hangRenderer: () => mainWindow.hang(),
      async drop(path, whileOver) {
        const page = mainWindow.page;
        const dataTransfer = await page.evaluateHandle((p) => {
          const g = globalThis as unknown as { __electronFileOnDisk(p: string): unknown; DataTransfer: new () => { items: { add(f: unknown): void } } };
          const dt = new g.DataTransfer();
          dt.items.add(g.__electronFileOnDisk(p));
          return dt;
        }, path);
        await page.dispatchEvent('main', 'dragenter', { dataTransfer });
        await page.dispatchEvent('main', 'dragover', { dataTransfer });
        await whileOver?.();
        await page.dispatchEvent('main', 'drop', { dataTransfer });
      },
      title: () => mainWindow.page.title(),
      progressBar: mainWindow.progressBar.values,
      async closeWindow() {
        const close = cancellable();
        guard.onClose(close);
        if (close.prevented) return 'kept';
        windowOpen = false;
        mainWindow.close();
        await mainWindow.page.close();
        // The last window closed: main.ts quits the app.
        quit();
        await quitDone;
        return 'closed';
      },
      async close() {
        windowOpen = false;
        mainWindow.close();
        await opened.close();
        await browser.close();
        releaseConsole();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return app;
  } catch (err) {
    await desktop?.close();
    await browser.close();
    releaseConsole();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
