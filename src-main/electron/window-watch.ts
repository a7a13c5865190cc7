/**
 * The app window's page, watched from the main side, where the core and its trainers live: when the page's
 * renderer crashes (`render-process-gone`) the window is reloaded and the reloaded page says what happened;
 * when it hangs (`unresponsive`) the person is asked whether to reload it, and a reload ends the hung
 * renderer first (Electron's `forcefullyCrashRenderer`, so that the reload starts a new one). Training goes
 * on throughout: a reloaded page finds a run in progress with `runs.list` and follows it by its events. A page
 * that crashes again and again is not reloaded in a loop: after RELOADS_PER_MINUTE the person is asked.
 *
 * It is also the way to say something in the window (`app.notice`): what is said while the page loads
 * (or before the window exists) waits for its `did-finish-load`, by which time the page listens.
 *
 * Electron's objects come in as parameters, so this runs in the tests with stand-ins.
 */
import type { BrowserWindow, Dialog, MessageBoxOptions, WebContents } from 'electron';
import type { AppNotice } from '../../src-preload/api.ts';
import { sendEvent } from './ipc.ts';

export type WatchedContents = Pick<WebContents, 'on' | 'send' | 'isDestroyed' | 'reload' | 'loadURL' | 'forcefullyCrashRenderer'>;

export interface WindowWatchOptions {
  dialog: Pick<Dialog, 'showMessageBox'>;
  /** The app window, the questions' parent. */
  window: () => BrowserWindow | undefined;
}

export interface WindowWatch {
  /** Tells the person, in the window: now, or once the page has loaded. */
  say(notice: AppNotice): void;
  /** Loads `url` in the window (another database's page). */
  load(url: string): void;
  /** Starts watching the window's page (once the window exists). */
  watch(contents: WatchedContents): void;
}

export const RELOADS_PER_MINUTE = 3;
export const RELOAD = 0;
export const WAIT = 1;

const STILL_TRAINING = 'Training went on, and nothing stored was lost.';

export function windowWatch({ dialog, window }: WindowWatchOptions): WindowWatch {
  let contents: WatchedContents | undefined;
  let loaded = false;
  /** How many pages `load` has asked for: the last one is the page the window is to show. */
  let loads = 0;
  const pending: AppNotice[] = [];
  const deliver = () => {
    if (loaded && contents) for (const notice of pending.splice(0)) sendEvent(contents, 'app.notice', notice);
  };
  /** A reload that the person is told about once the page is back. */
  const reloadSaying = (message: string) => {
    pending.push({ level: 'warning', message });
    loaded = false;
    contents?.reload();
  };
  const ask = async (message: string, detail: string): Promise<boolean> => {
    const question: MessageBoxOptions = { type: 'warning', buttons: ['Reload', 'Wait'], defaultId: RELOAD, cancelId: WAIT, message, detail };
    const win = window();
    const { response } = win ? await dialog.showMessageBox(win, question) : await dialog.showMessageBox(question);
    return response === RELOAD;
  };

  let crashes: number[] = [];
  /** Set while a hung renderer is ended on purpose: its `render-process-gone` is not a crash. */
  let ending = false;
  let asking = false;
  const askToReload = (message: string, detail: string, endFirst: boolean) => {
    if (asking) return;
    asking = true;
    void ask(message, detail)
      .then((reload) => {
        if (!reload) return;
        if (endFirst) {
          ending = true;
          contents?.forcefullyCrashRenderer();
        }
        reloadSaying(`The window was reloaded after it stopped responding. ${STILL_TRAINING}`);
      })
      .catch((err: unknown) => console.error(`weightlapse: asking to reload the window: ${(err as Error).message}`))
      .finally(() => (asking = false));
  };

  return {
    say(notice) {
      pending.push(notice);
      deliver();
    },
    load(url) {
      loaded = false;
      const load = ++loads;
      void contents?.loadURL(url).catch((err: unknown) => {
        // A load that the next one replaced (two databases opened in quick succession) is aborted, not failed.
        if (load === loads) console.error(`weightlapse: loading the window's page: ${(err as Error).message}`);
      });
    },
    watch(target) {
      contents = target;
      target.on('did-finish-load', () => {
        loaded = true;
        deliver();
      });
      target.on('render-process-gone', (_event, { reason, exitCode }) => {
        loaded = false;
        if (ending) {
          ending = false;
          return;
        }
        if (reason === 'clean-exit') return;
        console.error(`weightlapse: the window's page is gone: ${reason} (exit code ${exitCode})`);
        const now = performance.now();
        crashes = [...crashes.filter((t) => now - t < 60_000), now];
        if (crashes.length <= RELOADS_PER_MINUTE) {
          reloadSaying(`The window's page stopped (${reason}) and was reloaded. ${STILL_TRAINING}`);
        } else {
          askToReload(
            `The window's page keeps stopping (${reason}).`,
            `It stopped ${crashes.length} times in a minute. Training goes on in the background. The log (Help → Open Logs Folder) may say why.`,
            false,
          );
        }
      });
      target.on('unresponsive', () => {
        console.warn('weightlapse: the window is not responding');
        askToReload('The window is not responding.', 'Training goes on in the background. Reloading the window loses nothing that is stored; waiting may let it recover.', true);
      });
      target.on('responsive', () => console.info('weightlapse: the window responds again'));
    },
  };
}
