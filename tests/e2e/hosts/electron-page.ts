/**
 * Electron's renderer-side objects, stood in for inside the page: what the preload bundle gets from
 * `require('electron')` on the desktop host. `electronInPage` runs in the page, injected as source
 * before the page's own scripts (see desktop.ts), so its body may use nothing from outside itself.
 */

/** What a preload may require from Electron, as far as ours uses it. */
export interface ElectronInPage {
  contextBridge: { exposeInMainWorld(key: string, api: Record<string, unknown>): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
    once(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  };
  webUtils: { getPathForFile(file: object): string };
}

/** The page globals used below (the project is type-checked without the DOM library). */
interface PageGlobals {
  top: unknown;
  self: unknown;
  File: new (parts: unknown[], name: string) => object;
  [binding: string]: unknown;
}

/**
 * The stand-ins, or null in a subframe (Electron runs a window's preload in its top frame only, since
 * nodeIntegrationInSubFrames is off). `binding` names the Playwright binding that carries an invoke
 * to the main side, which answers it (desktop.ts). Two hidden globals let the main side and the tests
 * reach in: `__electronDeliver(channel, args, ports?)` is webContents.send (or postMessage) arriving, `__electronFileOnDisk(path)`
 * makes a File that webUtils.getPathForFile knows the path of, as for a file dragged from the desktop.
 */
export function electronInPage(binding: string): ElectronInPage | null {
  const g = globalThis as unknown as PageGlobals;
  if (g.top !== g.self) return null;
  const toMain = g[binding] as (channel: string, args: unknown[]) => Promise<unknown>;
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();

  const ipcRenderer: ElectronInPage['ipcRenderer'] = {
    invoke(channel, ...args) {
      // Electron copies the arguments with the structured clone algorithm, in the page: a function or a
      // DOM object cannot be sent; a class instance arrives as a plain object.
      let copied: unknown[];
      try {
        copied = structuredClone(args);
      } catch {
        return Promise.reject(new Error('An object could not be cloned.'));
      }
      return toMain(channel, copied);
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return ipcRenderer;
    },
    once(channel, listener) {
      const once = (event: unknown, ...args: unknown[]) => {
        listeners.get(channel)?.delete(once);
        listener(event, ...args);
      };
      return ipcRenderer.on(channel, once);
    },
  };
  Object.defineProperty(g, '__electronDeliver', {
    // Listeners get an IPC event first, as in Electron: the preload must never pass it to the page.
    // `ports` are the MessagePorts sent along (webContents.postMessage).
    value: (channel: string, args: unknown[], ports: unknown[] = []) => {
      for (const listener of [...(listeners.get(channel) ?? [])]) listener({ sender: ipcRenderer, ports }, ...args);
    },
  });

  const onDisk = new WeakMap<object, string>();
  Object.defineProperty(g, '__electronFileOnDisk', {
    value: (path: string) => {
      const file = new g.File([], path.split(/[\\/]/).filter(Boolean).pop() ?? path);
      onDisk.set(file, path);
      return file;
    },
  });

  return {
    contextBridge: {
      // The page gets a frozen copy of the object; its functions call back into the preload's world.
      exposeInMainWorld(key, api) {
        Object.defineProperty(g, key, { value: Object.freeze({ ...api }), enumerable: true });
      },
    },
    ipcRenderer,
    // Electron gives the path of a file from disk, and '' for one the page made itself.
    webUtils: { getPathForFile: (file) => onDisk.get(file) ?? '' },
  };
}

/**
 * The init script: the stand-ins, then the built preload bundle, wrapped as Node wraps a CommonJS
 * module, with a require() that returns them.
 */
export function preloadScript(preloadSource: string, binding: string): string {
  return `(() => {
  const standIns = (${electronInPage.toString()})(${JSON.stringify(binding)});
  if (standIns === null) return;
  const module = { exports: {} };
  (function (exports, require, module) {
${preloadSource}
  })(module.exports, (name) => {
    if (name === 'electron') return standIns;
    throw new Error('a sandboxed preload can require only electron, not ' + name);
  }, module);
})();`;
}
