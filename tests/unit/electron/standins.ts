/**
 * Stand-ins for the few Electron main-process objects that the shell's code takes as parameters
 * (src-main/electron/: ipc.ts, dialogs.ts, quit.ts, desktop.ts, recent.ts, taskbar.ts), so that code runs without Electron:
 * here in the unit tests, and in the end-to-end tests' desktop host (tests/e2e/desktop-host.ts).
 * Only Electron's behaviour is imitated; everything of ours runs for real.
 */
import type {
  BaseWindow,
  IpcMainInvokeEvent,
  MessageBoxOptions,
  MessageBoxReturnValue,
  MessageBoxSyncOptions,
  OpenDialogOptions,
  OpenDialogReturnValue,
  SaveDialogOptions,
  SaveDialogReturnValue,
} from 'electron';

import { EVENT_CHANNEL } from '../../../src-preload/bridge.ts';

type InvokeHandler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

/**
 * `ipcMain` for `handle` and `removeHandler`, and the arrival of an `ipcRenderer.invoke`: arguments
 * and result cross by structured clone, as in Electron (typed arrays survive; functions cannot be
 * sent; class instances arrive as plain objects), and a handler that throws rejects the invoke.
 */
export class IpcMainStandIn {
  private readonly handlers = new Map<string, InvokeHandler>();
  /** How many invokes have arrived. */
  invoked = 0;

  handle(channel: string, listener: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  hasHandler(channel: string): boolean {
    return this.handlers.has(channel);
  }

  /** `event` is what the handler gets as the IPC event: who sent the call, from which frame (null: a destroyed one). */
  async invoke(event: { sender: unknown; senderFrame: { url: string } | null }, channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked++;
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    let result: unknown;
    try {
      result = await handler(event as unknown as IpcMainInvokeEvent, ...structuredClone(args));
    } catch (err) {
      throw new Error(`Error invoking remote method '${channel}': ${String(err)}`);
    }
    return structuredClone(result);
  }
}

export type Shown =
  | { kind: 'open'; options: OpenDialogOptions; parent: boolean }
  | { kind: 'save'; options: SaveDialogOptions; parent: boolean }
  | { kind: 'message'; options: MessageBoxSyncOptions | MessageBoxOptions; parent: boolean };

/**
 * `dialog` with scripted answers: each dialog shown is recorded, and takes the next answer queued for
 * its kind (none queued: the person cancelled). The window, when passed first, is only noted.
 */
export class DialogStandIn {
  readonly shown: Shown[] = [];
  readonly answers = {
    /** Paths chosen in open dialogs. */
    open: [] as string[],
    /** Paths chosen in save dialogs. */
    save: [] as string[],
    /** Button indexes clicked in message boxes. */
    message: [] as number[],
  };

  async showOpenDialog(...args: [BaseWindow, OpenDialogOptions] | [OpenDialogOptions]): Promise<OpenDialogReturnValue> {
    this.shown.push({ kind: 'open', options: args.at(-1) as OpenDialogOptions, parent: args.length === 2 });
    const path = this.answers.open.shift();
    return path === undefined ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [path] };
  }

  async showSaveDialog(...args: [BaseWindow, SaveDialogOptions] | [SaveDialogOptions]): Promise<SaveDialogReturnValue> {
    this.shown.push({ kind: 'save', options: args.at(-1) as SaveDialogOptions, parent: args.length === 2 });
    const path = this.answers.save.shift();
    return path === undefined ? { canceled: true, filePath: '' } : { canceled: false, filePath: path };
  }

  showMessageBoxSync(...args: [BaseWindow, MessageBoxSyncOptions] | [MessageBoxSyncOptions]): number {
    const options = args.at(-1) as MessageBoxSyncOptions;
    this.shown.push({ kind: 'message', options, parent: args.length === 2 });
    // Closing the box without a button gives cancelId, as Electron does.
    return this.answers.message.shift() ?? options.cancelId ?? 0;
  }

  /** The asynchronous message box: the same answers, while the main process goes on. */
  async showMessageBox(...args: [BaseWindow, MessageBoxOptions] | [MessageBoxOptions]): Promise<MessageBoxReturnValue> {
    return { response: this.showMessageBoxSync(...(args as [MessageBoxSyncOptions])), checkboxChecked: false };
  }
}

/** Electron's app as far as recent documents go (the OS's list: macOS's Dock menu, the Windows jump list). */
export class RecentDocumentsStandIn {
  /** Most recent first, as the OS shows them. */
  documents: string[] = [];

  addRecentDocument(path: string): void {
    this.documents = [path, ...this.documents.filter((d) => d !== path)];
  }

  clearRecentDocuments(): void {
    this.documents = [];
  }
}

/** A window's taskbar entry (BrowserWindow.setProgressBar): every value it was given, in order. */
export class ProgressBarStandIn {
  values: number[] = [];

  setProgressBar(value: number): void {
    this.values.push(value);
  }
}

/**
 * A window's web contents as window-watch.ts and desktop.ts use them: what was sent and done to them
 * recorded, and `emit` for what Electron would report (did-finish-load, render-process-gone, unresponsive).
 */
export class WebContentsStandIn {
  private readonly listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  /** reload, load URL, end renderer: in order. */
  readonly done: string[] = [];
  /** What `send` was given. */
  readonly sent: unknown[][] = [];

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  isDestroyed(): boolean {
    return false;
  }
  reload(): void {
    this.done.push('reload');
  }
  /** The load under way: it ends at the next `did-finish-load`. */
  private loading: { resolve(): void; reject(err: Error): void } | undefined;

  /** As Electron's: a load that another replaces before it has finished rejects (ERR_ABORTED). */
  loadURL(url: string): Promise<void> {
    this.done.push(`load ${url}`);
    this.loading?.reject(new Error(`ERR_ABORTED (-3) loading '${url}'`));
    return new Promise((resolve, reject) => (this.loading = { resolve, reject }));
  }
  forcefullyCrashRenderer(): void {
    this.done.push('end renderer');
  }
  emit(event: string, ...args: unknown[]): void {
    if (event === 'did-finish-load') {
      this.loading?.resolve();
      this.loading = undefined;
    }
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
  /** The payloads of the `app.notice` events sent. */
  notices(): unknown[] {
    return this.sent.filter(([channel, event]) => channel === EVENT_CHANNEL && event === 'app.notice').map(([, , payload]) => payload);
  }
}
