/**
 * The hidden trainer window: where the desktop app trains on Chromium's WebGPU (or WebGL), which no Node
 * process can reach. The window (show: false, sandboxed, no Node, its own preload and session) runs
 * src-main/trainer/window/ and talks to the main side over one MessagePort; `windowTrainer` adapts that
 * port to the `TrainerProcess` the training host expects, so the core stores its snapshots exactly as
 * it stores a trainer process's. The window has no file access: the job's data is read here and sent
 * with `start`. It answers a `probe` for its own backends as a trainer process would, and `auto`'s with
 * its measurements (`probed`). Training (or the probe) over, the window is closed, which is its "exit".
 *
 * Electron's objects come in as parameters (`openElectronTrainerWindow`), so the adapter runs in the
 * tests with a page in headless Chromium instead (tests/e2e/hosts/trainer-window.ts).
 */
import type { BrowserWindow as ElectronBrowserWindow, MessageChannelMain as ElectronMessageChannelMain, Session } from 'electron';
import { PassThrough } from 'node:stream';
import { loadRunData } from '../datasets/for-run.ts';
import type { FromTrainer, ToTrainer, TrainerProcess, TrainerSpawner } from '../trainer/protocol.ts';
import { TRAINER_PORT_MESSAGE } from '../../src-preload/trainer-port.ts';
import type { ToTrainerWindow } from '../trainer/window/messages.ts';

/** The main side's end of the window's port (Electron's MessagePortMain). */
export interface TrainerPort {
  postMessage(message: ToTrainerWindow): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  start(): void;
  close(): void;
}

/** A trainer window, opened with its page's port connected. */
export interface OpenedTrainerWindow {
  port: TrainerPort;
  /** Called once if the page dies (crash, killed renderer, window closed from outside). */
  onGone(listener: (reason: string) => void): void;
  /** Closes the window (its page and port with it). */
  close(): void;
}

type ExitListener = (code: number | null, signal?: NodeJS.Signals | null) => void;

export function windowTrainer(open: () => OpenedTrainerWindow): TrainerSpawner {
  return () => {
    const window = open();
    const messageListeners: ((message: FromTrainer) => void)[] = [];
    const exitListeners: ExitListener[] = [];
    // The host keeps the tail of a trainer's stderr for its crash message: the window's is why it went.
    const stderr = new PassThrough();
    let exited = false;
    const exit = (code: number | null, signal: NodeJS.Signals | null = null) => {
      if (exited) return;
      exited = true;
      window.close();
      // Listeners run after the stream's pending data has been read.
      setImmediate(() => exitListeners.forEach((listener) => listener(code, signal)));
    };
    const receive = (message: FromTrainer) => {
      messageListeners.forEach((listener) => listener(message));
      if (message.type === 'finished' || message.type === 'backend' || message.type === 'probed') exit(0);
      else if (message.type === 'failed') exit(1);
    };
    window.port.on('message', (event) => receive(event.data as FromTrainer));
    window.port.start();
    window.onGone((reason) => {
      stderr.write(`the trainer window went: ${reason}\n`);
      exit(null, 'SIGKILL');
    });

    // Messages go out in order; `start` waits for its data to be read.
    let sent = Promise.resolve();
    const toWindow = async (message: ToTrainer): Promise<ToTrainerWindow> => {
      if (message.type !== 'start') return message;
      return { type: 'start', job: message.job, data: await loadRunData(message.job) };
    };
    const trainer: TrainerProcess = {
      pid: undefined,
      postMessage: (message) => {
        sent = sent
          .then(() => toWindow(message))
          .then(
            (translated) => {
              if (!exited) window.port.postMessage(translated);
            },
            (err: unknown) => {
              receive({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
            },
          );
      },
      on: (event: 'message' | 'exit', listener: (...args: never[]) => void) =>
        event === 'message' ? messageListeners.push(listener as (message: FromTrainer) => void) : exitListeners.push(listener as ExitListener),
      kill: () => exit(null, 'SIGKILL'),
      stderr,
    };
    return trainer;
  };
}

export interface TrainerWindowFiles {
  /** The window's page: out/renderer/trainer-window.html (or the dev server's). */
  url: string;
  /** out/preload/trainer-window.cjs */
  preload: string;
}

/** Opens the hidden trainer window in Electron, on its own hardened session (see main.ts). */
export function openElectronTrainerWindow(
  electron: { BrowserWindow: typeof ElectronBrowserWindow; MessageChannelMain: typeof ElectronMessageChannelMain },
  session: Session,
  files: TrainerWindowFiles,
): () => OpenedTrainerWindow {
  return () => {
    const win = new electron.BrowserWindow({
      show: false,
      webPreferences: {
        preload: files.preload,
        session,
        sandbox: true,
        contextIsolation: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        // Training must not slow down because the window is never shown.
        backgroundThrottling: false,
      },
    });
    const { port1, port2 } = new electron.MessageChannelMain();
    win.webContents.once('did-finish-load', () => win.webContents.postMessage(TRAINER_PORT_MESSAGE, null, [port2]));
    let goneListener: ((reason: string) => void) | undefined;
    win.webContents.on('render-process-gone', (_event, details) => goneListener?.(`its renderer ${details.reason} (exit code ${details.exitCode})`));
    win.webContents.on('did-fail-load', (_event, code, description) => goneListener?.(`its page did not load: ${description} (${code})`));
    win.on('closed', () => goneListener?.('it was closed'));
    void win.loadURL(files.url);
    return {
      port: port1,
      onGone: (listener) => (goneListener = listener),
      close: () => {
        goneListener = undefined;
        port1.close();
        if (!win.isDestroyed()) win.destroy();
      },
    };
  };
}
