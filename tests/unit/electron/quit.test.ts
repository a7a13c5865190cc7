/**
 * Closing the window or quitting while the app trains (quit.ts), with Electron's dialog and the app's
 * quit stood in for: asked once, the close cancelled when the person keeps training, and the app let go
 * only after the core has shut down. The real close of a training run is in tests/e2e/desktop.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { KEEP_TRAINING, quitGuard, STOP_AND_QUIT } from '../../../src-main/electron/quit.ts';
import { DialogStandIn } from './standins.ts';

/** An Electron event: records whether a handler cancelled it. */
const event = () => ({ prevented: false, preventDefault() { this.prevented = true; } });

function setup(training: number[]) {
  const dialog = new DialogStandIn();
  const log: string[] = [];
  let finishShutdown!: () => void;
  const guard = quitGuard({
    training: () => training,
    dialog,
    window: () => undefined,
    shutdown: () => {
      log.push('shutdown');
      return new Promise<void>((resolve) => (finishShutdown = resolve));
    },
    quit: () => void log.push('quit'),
  });
  return { dialog, log, guard, finishShutdown: () => finishShutdown() };
}

describe('closing the window', () => {
  it('asks nothing when nothing trains', () => {
    const { dialog, guard } = setup([]);
    const close = event();
    guard.onClose(close);
    expect(close.prevented).toBe(false);
    expect(dialog.shown).toEqual([]);
  });

  it('while a run trains, asks; “Keep Training” cancels the close, and the next close asks again', () => {
    const { dialog, guard, log } = setup([4]);
    dialog.answers.message.push(KEEP_TRAINING);
    const close = event();
    guard.onClose(close);
    expect(close.prevented).toBe(true);
    expect(dialog.shown).toEqual([
      {
        kind: 'message',
        parent: false,
        options: expect.objectContaining({ message: 'A run is still training.', buttons: ['Stop Training and Quit', 'Keep Training'], cancelId: KEEP_TRAINING }),
      },
    ]);
    // Closing the box with Escape is keeping on training too.
    const again = event();
    guard.onClose(again);
    expect(again.prevented).toBe(true);
    expect(dialog.shown).toHaveLength(2);
    expect(log).toEqual([]);
  });

  it('“Stop Training and Quit” lets the window close, then holds the quit until the core has shut down, asking once', async () => {
    const { dialog, guard, log, finishShutdown } = setup([4, 5]);
    dialog.answers.message.push(STOP_AND_QUIT);
    const close = event();
    guard.onClose(close);
    expect(close.prevented).toBe(false);
    expect(dialog.shown[0]!.options).toMatchObject({ message: '2 runs are still training.' });

    // Closing the last window quits the app: before-quit waits for the shutdown.
    const quit = event();
    guard.onBeforeQuit(quit);
    expect(quit.prevented).toBe(true);
    expect(log).toEqual(['shutdown']);
    // A second Quit while it shuts down neither asks nor shuts down twice.
    const impatient = event();
    guard.onBeforeQuit(impatient);
    expect(impatient.prevented).toBe(true);
    finishShutdown();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(log).toEqual(['shutdown', 'quit']);
    // The quit it calls then goes through.
    const final = event();
    guard.onBeforeQuit(final);
    expect(final.prevented).toBe(false);
    expect(dialog.shown).toHaveLength(1);
  });

  it('Quit from the menu asks the same question, and keeping on training keeps the app', () => {
    const { dialog, guard, log } = setup([4]);
    dialog.answers.message.push(KEEP_TRAINING);
    const quit = event();
    guard.onBeforeQuit(quit);
    expect(quit.prevented).toBe(true);
    expect(dialog.shown).toHaveLength(1);
    expect(log).toEqual([]);
  });
});
