/**
 * How far this app's training is, on the window's taskbar entry (the Windows taskbar button, the macOS Dock
 * icon, a Linux launcher that shows progress) through Electron's `BrowserWindow.setProgressBar`, so that a
 * run can be followed with the window hidden behind others or minimised. It follows the core's events: a
 * run's `run.progress` sets its share done (`runFraction`, what the page's title shows); the `run.changed`
 * that comes when its trainer has gone (done, stopped, failed) drops it; with none left the bar is removed (-1).
 *
 * Several runs at once share the one bar: it shows the mean of their shares, so that it fills only as they
 * all get on and is full only when all are. A run queued behind another joins it once its own training
 * starts and says how far it is.
 *
 * Electron's window comes in as a parameter, so this runs in the tests with a stand-in.
 */
import type { BrowserWindow } from 'electron';
import { runFraction, type EmitEvent, type Events } from '../../src-preload/api.ts';

/** Electron's value for no progress bar at all. */
export const NO_PROGRESS = -1;

export interface TaskbarProgress {
  /** Follows one of the core's events. */
  follow: EmitEvent;
  /** The core is closing (another database opens): nothing of it trains any more. */
  clear(): void;
}

/**
 * `window`: the app window, when there is one. `training`: whether the run still has a trainer of this
 * core (the core's `trainers.owns`).
 */
export function taskbarProgress(window: () => Pick<BrowserWindow, 'setProgressBar'> | undefined, training: (runId: number) => boolean): TaskbarProgress {
  const shares = new Map<number, number>();
  /** What the bar shows now, so that a progress message that changes nothing calls nothing native. */
  let shown = NO_PROGRESS;
  const show = () => {
    const value = shares.size === 0 ? NO_PROGRESS : [...shares.values()].reduce((a, b) => a + b, 0) / shares.size;
    const win = window();
    // Without a window (closed on macOS, the app still training) the next window is told by the next change.
    if (!win || value === shown) return;
    shown = value;
    win.setProgressBar(value);
  };
  return {
    follow(event, payload) {
      if (event === 'run.progress') {
        const progress = payload as Events['run.progress'];
        shares.set(progress.runId, runFraction(progress));
        show();
      } else if (event === 'run.changed') {
        const { runId } = payload as Events['run.changed'];
        if (shares.has(runId) && !training(runId)) {
          shares.delete(runId);
          show();
        }
      }
    },
    clear() {
      shares.clear();
      show();
    },
  };
}
