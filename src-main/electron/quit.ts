/**
 * Closing the window, or quitting, while the app trains: ask once, then stop the trainers and close the
 * database before the app goes, so no trainer outlives its window and the finished epochs stay stored
 * (the run reads `stopped` and can be resumed). Electron-free: main.ts wires it to the window's
 * `close` and the app's `before-quit`, the tests to stand-ins.
 */
import type { BrowserWindow, Dialog, MessageBoxSyncOptions } from 'electron';

export interface QuitGuardOptions {
  /** The runs this app's own trainers are training now (a CLI training beside it is not ours to stop). */
  training(): number[];
  /** Asks with a modal message box (Electron's dialog). */
  dialog: Pick<Dialog, 'showMessageBoxSync'>;
  /** The app window, the question's parent; without one it stands alone. */
  window(): BrowserWindow | undefined;
  /** Stops the trainers and closes the database. */
  shutdown(): Promise<void>;
  /** Quits the app (called again once shut down). */
  quit(): void;
}

export interface QuitGuard {
  /** The window's `close`: cancelled when the person keeps training. */
  onClose(event: { preventDefault(): void }): void;
  /** The app's `before-quit`: held back until the core has shut down, then let through. */
  onBeforeQuit(event: { preventDefault(): void }): void;
}

export const STOP_AND_QUIT = 0;
export const KEEP_TRAINING = 1;

/**
 * What the person is asked before something stops this app's training (quitting, opening another
 * database): "Stop Training and <action>" (STOP_AND_QUIT) or "Keep Training" (KEEP_TRAINING, also what
 * closing the box means).
 */
export function stopTrainingQuestion(running: number, action: string, detail: string): MessageBoxSyncOptions {
  return {
    type: 'question',
    buttons: [`Stop Training and ${action}`, 'Keep Training'],
    defaultId: KEEP_TRAINING,
    cancelId: KEEP_TRAINING,
    message: running === 1 ? 'A run is still training.' : `${running} runs are still training.`,
    detail,
  };
}

export function quitGuard(options: QuitGuardOptions): QuitGuard {
  // Asked once per quit, whether it starts from the window's close button or from Quit in the menu.
  let confirmed = false;
  let state: 'open' | 'shutting-down' | 'shut-down' = 'open';

  /** True when nothing is training, or the person agreed to stop it. */
  function mayStopTraining(): boolean {
    if (confirmed) return true;
    const running = options.training();
    if (running.length === 0) return true;
    const question = stopTrainingQuestion(running.length, 'Quit', 'Quitting stops training. The epochs finished so far are kept, and the run can be resumed later.');
    const win = options.window();
    const choice = win ? options.dialog.showMessageBoxSync(win, question) : options.dialog.showMessageBoxSync(question);
    confirmed = choice === STOP_AND_QUIT;
    return confirmed;
  }

  return {
    onClose(event) {
      if (!mayStopTraining()) event.preventDefault();
    },
    onBeforeQuit(event) {
      if (state === 'shut-down') return;
      event.preventDefault();
      if (state === 'shutting-down' || !mayStopTraining()) return;
      state = 'shutting-down';
      void options
        .shutdown()
        .catch((err: unknown) => console.error(`weightlapse: closing the core: ${(err as Error).message}`))
        .finally(() => {
          state = 'shut-down';
          options.quit();
        });
    },
  };
}
