/**
 * The desktop host: the desktop app's window without the Electron binary. The page is the built
 * renderer from disk (out/renderer/index.html, as the app loads it) in headless Chromium; before its
 * scripts, the real built preload (out/preload/index.cjs) runs with a `require('electron')` that
 * returns stand-ins (electron-page.ts). Its invokes travel through a Playwright binding to the real
 * main side (src-main/electron/desktop.ts: the core, IPC behind the sender check, the native-dialog
 * calls, events, menu commands) on a stand-in ipcMain; events come back through webContents.send.
 * Both ways the values cross by structured clone, as in Electron. The window's close runs the real
 * quit flow (quit.ts). Only Electron's own objects are stood in for: ipcMain, ipcRenderer,
 * contextBridge, webUtils, the event's sender and senderFrame, webContents.send, dialog, and the
 * app's quit sequence (close → window-all-closed → before-quit).
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
import type { BrowserWindow } from 'electron';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import type { ApiResult, Input, MethodName, Output } from '../../../src-preload/api.ts';
import { CALL_CHANNEL } from '../../../src-preload/bridge.ts';
import { appRoot, rendererDir } from '../../../src-main/core/paths.ts';
import { forkTrainer } from '../../../src-main/core/training/fork.ts';
import { openDesktop, type Desktop } from '../../../src-main/electron/desktop.ts';
import { menuTemplate } from '../../../src-main/electron/menu.ts';
import { quitGuard } from '../../../src-main/electron/quit.ts';
import { appPage, type AppPage } from '../../../src-main/electron/security.ts';
import { DialogStandIn, IpcMainStandIn } from '../../unit/electron/standins.ts';
import { launchBrowser, screenshot, watchPage, type OpenApp } from './chromium.ts';
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
  /** Clicks the item of the application menu with this label. */
  clickMenu(label: string): void;
  /** Where the save dialog starts (the user's Pictures folder in the app). */
  picturesDir: string;
  /** Drags a file or folder from disk over the window (`whileOver` runs then) and drops it. */
  drop(path: string, whileOver?: () => Promise<void>): Promise<void>;
  /** The window's title (Electron's follows the page's). */
  title(): Promise<string>;
  /** Closes the window as its close button does: 'kept' when the close was cancelled. */
  closeWindow(): Promise<'closed' | 'kept'>;
}

/** A window: a page with the preload injected, and the web contents the main side sees. */
function openWindow(page: Page, preloadSource: string) {
  const frames = new WeakMap<Frame, { readonly url: string }>();
  /** One stand-in per frame, so that the sender check's identity comparison means what it does in Electron. */
  const frameOf = (frame: Frame) => {
    let main = frames.get(frame);
    if (!main) frames.set(frame, (main = { get url() { return frame.url(); } }));
    return main;
  };
  let delivery = Promise.resolve();
  const webContents = {
    get mainFrame() {
      return frameOf(page.mainFrame());
    },
    isDestroyed: () => page.isClosed(),
    /** Events reach the page in order, cloned; one sent while the page reloads is lost, as in Electron. */
    send(channel: string, ...args: unknown[]) {
      const copied = structuredClone(args);
      delivery = delivery
        .then(() => page.evaluate(([c, a]) => (globalThis as unknown as { __electronDeliver?: (c: string, a: unknown[]) => void }).__electronDeliver?.(c, a), [channel, copied] as const))
        .catch(() => {});
    },
  };
  return {
    window: { webContents } as unknown as BrowserWindow,
    senderOf: (frame: Frame) => ({ sender: webContents, senderFrame: frame.isDetached() ? null : frameOf(frame) }),
    install: () => page.addInitScript({ content: preloadScript(preloadSource, IPC_BINDING) }),
  };
}

export async function openDesktopApp(viewport: { width: number; height: number }): Promise<DesktopApp> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-e2e-desktop-'));
  const dbPath = join(dir, 'e2e.db');
  const ownPage = appPage(join(rendererDir, 'index.html'), undefined);
  const preloadSource = readFileSync(join(appRoot, 'out', 'preload', 'index.cjs'), 'utf8');
  const ipcMain = new IpcMainStandIn();
  const dialog = new DialogStandIn();
  // Electron lets a file:// page load its module scripts; Chromium needs to be told.
  const browser = await launchBrowser(['--allow-file-access-from-files']);
  let windowOpen = true;
  let desktop: Desktop | undefined;
  try {
    const context: BrowserContext = await browser.newContext({ viewport, colorScheme: 'dark' });
    const page = await context.newPage();
    const mainWindow = openWindow(page, preloadSource);
    const window = () => (windowOpen ? mainWindow.window : undefined);
    const opened = (desktop = await openDesktop({
      dbPath,
      page: ownPage,
      ipcMain,
      dialog,
      window,
      picturesDir: dir,
      // The app starts the same built entry with utilityProcess.fork.
      spawnTrainer: forkTrainer(join(appRoot, 'out', 'main', 'trainer-process.js')),
    }));
    const inFlight = new Set<Promise<unknown>>();
    await context.exposeBinding(IPC_BINDING, (source, channel: string, args: unknown[]) => {
      const answer = ipcMain.invoke(mainWindow.senderOf(source.frame), channel, ...args);
      inFlight.add(answer);
      void answer.catch(() => {}).finally(() => inFlight.delete(answer));
      return answer;
    });
    await mainWindow.install();
    const watched = watchPage(page);

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

    const menu = menuTemplate((command) => opened.menuCommand(command), { isMac: false, isDev: false });
    const menuItems = menu.flatMap((item) => (Array.isArray(item.submenu) ? item.submenu : [item]));

    const response = await page.goto(ownPage.url, { waitUntil: 'load' });
    if (!response?.ok()) throw new Error(`opening ${ownPage.url} gave ${response?.status()}`);

    let exports = 0;
    const app: DesktopApp = {
      host: 'desktop',
      dbPath,
      core: opened.core,
      desktop: opened,
      browser,
      context,
      page,
      ipcMain,
      dialog,
      appPage: ownPage,
      picturesDir: dir,
      ...watched,
      screenshot: (name) => screenshot(page, `desktop-${name}`),
      /** Through the IPC binding, as the window's preload calls it (the page's own calls go through the preload). */
      async call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
        const result = (await ipcMain.invoke(mainWindow.senderOf(page.mainFrame()), CALL_CHANNEL, method, input)) as ApiResult<Output<M>>;
        if (!result.ok) throw new Error(`${method}: ${result.error.code}: ${result.error.message}`);
        return result.value;
      },
      async goto(route) {
        await page.goto(`${ownPage.url}${route}`);
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
      async drop(path, whileOver) {
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
      title: () => page.title(),
      async closeWindow() {
        const close = cancellable();
        guard.onClose(close);
        if (close.prevented) return 'kept';
        windowOpen = false;
        await page.close();
        // The last window closed: main.ts quits the app.
        quit();
        await quitDone;
        return 'closed';
      },
      async close() {
        windowOpen = false;
        await opened.close();
        await browser.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return app;
  } catch (err) {
    await desktop?.close();
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
