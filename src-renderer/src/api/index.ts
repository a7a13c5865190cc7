/**
 * The page's API client: over IPC inside the desktop app (the preload put `window.weightlapse` there),
 * over HTTP in a browser. Both throw `ApiError` (code, message, field) when a call fails.
 */
import type { ApiClient } from '@contract/api.ts';
import type { DesktopBridge } from '@contract/bridge.ts';
import { httpClient } from './http.ts';
import { ipcClient } from './ipc.ts';

declare global {
  interface Window {
    weightlapse?: DesktopBridge;
  }
}

const bridge = typeof window !== 'undefined' ? window.weightlapse : undefined;

/** True inside the desktop app: native dialogs, menus and drag-and-drop of folders are there. */
export const isDesktop = bridge !== undefined;

/**
 * Each successful call is recorded as a User Timing measure named `api <method>`, from the call to its
 * decoded result: the browser's performance panel shows them, and the viewer benchmark reads them.
 * Only the latest of each method is kept, so a long session does not pile them up.
 */
function timed(client: ApiClient): ApiClient {
  return {
    async call(method, input) {
      const start = performance.now();
      const value = await client.call(method, input);
      const name = `api ${method}`;
      performance.clearMeasures(name);
      performance.measure(name, { start });
      return value;
    },
    on: client.on,
  };
}

export const api: ApiClient = timed(bridge ? ipcClient(bridge) : httpClient());

/**
 * The path on disk of a file or folder dropped on the page, in the desktop app; null in a browser,
 * which never reveals paths (there, a data set is added by typing its path on the server).
 */
export function pathForFile(file: File): string | null {
  return bridge ? bridge.pathForFile(file) : null;
}
