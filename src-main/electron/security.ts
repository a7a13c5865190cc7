/**
 * Electron's security checklist, applied in one place: no remote content, navigation and new windows
 * blocked, permission requests denied, the CSP also as a response header, external links only for
 * vetted https URLs, and IPC senders checked against the app's own page. Electron's objects come in as
 * parameters, so the checks run in the tests without Electron.
 */
import type { IpcMainInvokeEvent, Session, WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../shared/csp.ts';
import { isSafeExternalUrl } from './external.ts';

/** Where the page comes from: electron-vite's dev server in development, else the built index.html. */
export interface AppPage {
  /** What to hand to loadURL. */
  url: string;
  /** True when `raw` is the app's own page (any hash or query). */
  isOwn(raw: string): boolean;
  /** True when `raw` may be loaded at all (the page, its assets, devtools). */
  mayLoad(raw: string): boolean;
}

export function appPage(indexHtml: string, devServerUrl: string | undefined): AppPage {
  if (devServerUrl) {
    const origin = new URL(devServerUrl).origin;
    const sameOrigin = (raw: string) => {
      try {
        return new URL(raw).origin === origin;
      } catch {
        return false;
      }
    };
    return { url: devServerUrl, isOwn: sameOrigin, mayLoad: (raw) => sameOrigin(raw) || raw.startsWith('devtools:') || raw.startsWith('ws://localhost') };
  }
  const page = pathToFileURL(indexHtml);
  const rendererDir = new URL('.', page).href;
  const strip = (raw: string) => raw.replace(/[?#].*$/, '');
  return {
    url: page.href,
    isOwn: (raw) => strip(raw) === page.href,
    // The bundle's own files only; data: and blob: for images the page draws itself.
    mayLoad: (raw) => strip(raw).startsWith(rendererDir) || raw.startsWith('data:') || raw.startsWith('blob:') || raw.startsWith('devtools:'),
  };
}

export function hardenSession(session: Session, page: AppPage): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = page.mayLoad(details.url);
    if (!allowed) console.warn(`weightlapse: blocked a request for ${details.url}`);
    callback({ cancel: !allowed });
  });
  // file:// pages take the CSP from their meta tag; this covers the dev server's responses too.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
}

/**
 * Every web contents: no navigation away, no new windows, no webviews; vetted links go to the system
 * browser through `openExternal` (Electron's shell.openExternal).
 */
export function guardWebContents(contents: WebContents, page: AppPage, openExternal: (url: string) => Promise<void>): void {
  const openExternally = (url: string) => {
    if (isSafeExternalUrl(url)) void openExternal(url);
    else console.warn(`weightlapse: refused to open ${url}`);
  };
  contents.on('will-navigate', (event, url) => {
    if (!page.isOwn(url)) {
      event.preventDefault();
      openExternally(url);
    }
  });
  contents.on('will-redirect', (event, url) => {
    if (!page.isOwn(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
}

/** An IPC call is served only from the main window's top frame showing the app's own page. */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  main: Pick<WebContents, 'mainFrame'> | undefined,
  page: AppPage,
): boolean {
  const frame = event.senderFrame;
  return main !== undefined && event.sender === main && frame !== null && frame === main.mainFrame && page.isOwn(frame.url);
}
