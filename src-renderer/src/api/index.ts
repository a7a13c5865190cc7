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

export const api: ApiClient = bridge ? ipcClient(bridge) : httpClient();

/**
 * The path on disk of a file or folder dropped on the page, in the desktop app; null in a browser,
 * which never reveals paths (there, a data set is added by typing its path on the server).
 */
export function pathForFile(file: File): string | null {
  return bridge ? bridge.pathForFile(file) : null;
}
