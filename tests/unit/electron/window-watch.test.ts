/**
 * The window's page watched from the main side (window-watch.ts), with its web contents and the dialog
 * stood in for: a crash reloads it and the reloaded page is told; a page that keeps crashing is not
 * reloaded in a loop; a hang asks, and Reload ends the hung renderer before reloading; notices wait for
 * the page to load. The real page crashing and hanging while a run trains is in
 * tests/e2e/desktop-recovery.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import { RELOAD, RELOADS_PER_MINUTE, WAIT, windowWatch, type WatchedContents } from '../../../src-main/electron/window-watch.ts';
import { DialogStandIn, WebContentsStandIn } from './standins.ts';

/** Lets the dialog's answer (a promise) come back. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const dialog = new DialogStandIn();
  const watch = windowWatch({ dialog, window: () => undefined });
  const page = new WebContentsStandIn();
  watch.watch(page as unknown as WatchedContents);
  return { dialog, watch, emit: page.emit.bind(page), done: page.done, notices: () => page.notices() };
}

describe('the window’s page', () => {
  it('is told what happened before it loaded once it has, and at once after that', () => {
    const { watch, emit, notices } = setup();
    watch.say({ level: 'error', message: 'a.db is not a Weightlapse database' });
    expect(notices()).toEqual([]);
    emit('did-finish-load');
    expect(notices()).toEqual([{ level: 'error', message: 'a.db is not a Weightlapse database' }]);
    watch.say({ level: 'error', message: 'again' });
    expect(notices()).toHaveLength(2);
    // Loading another page: what is said meanwhile waits for it.
    watch.load('file:///app/index.html');
    watch.say({ level: 'error', message: 'during the load' });
    expect(notices()).toHaveLength(2);
    emit('did-finish-load');
    expect(notices().at(-1)).toEqual({ level: 'error', message: 'during the load' });
  });

  it('crashed: is reloaded, and says so once it is back; a clean exit is not a crash', () => {
    const { emit, done, dialog, notices } = setup();
    emit('did-finish-load');
    emit('render-process-gone', {}, { reason: 'oom', exitCode: 137 });
    expect(done).toEqual(['reload']);
    expect(notices()).toEqual([]);
    emit('did-finish-load');
    expect(notices()).toEqual([{ level: 'warning', message: expect.stringMatching(/^The window's page stopped \(oom\) and was reloaded\. Training went on/) }]);
    emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    expect(done).toEqual(['reload']);
    expect(dialog.shown).toEqual([]);
  });

  it('crashing again and again: reloaded RELOADS_PER_MINUTE times, then the person is asked', async () => {
    const { emit, done, dialog } = setup();
    for (let i = 0; i < RELOADS_PER_MINUTE; i++) emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    expect(done).toEqual(Array(RELOADS_PER_MINUTE).fill('reload'));
    dialog.answers.message.push(RELOAD);
    emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
    expect(dialog.shown).toEqual([{ kind: 'message', parent: false, options: expect.objectContaining({ message: "The window's page keeps stopping (crashed)." }) }]);
    await settle();
    expect(done).toHaveLength(RELOADS_PER_MINUTE + 1);
    expect(done.at(-1)).toBe('reload');
  });

  it('hung: asks; Wait leaves it; Reload ends the hung renderer, then reloads, and that end is no crash', async () => {
    const { emit, done, dialog, notices } = setup();
    dialog.answers.message.push(WAIT);
    emit('unresponsive');
    expect(dialog.shown[0]).toMatchObject({ kind: 'message', options: { message: 'The window is not responding.', buttons: ['Reload', 'Wait'] } });
    await settle();
    expect(done).toEqual([]);

    dialog.answers.message.push(RELOAD);
    emit('unresponsive');
    await settle();
    expect(done).toEqual(['end renderer', 'reload']);
    // Ending the renderer reports it gone: no second reload for that.
    emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 });
    expect(done).toEqual(['end renderer', 'reload']);
    emit('did-finish-load');
    expect(notices()).toEqual([{ level: 'warning', message: expect.stringMatching(/^The window was reloaded after it stopped responding\. Training went on/) }]);
  });

  it('loads the page asked for last, and does not take the load it replaced for a failure', async () => {
    const { watch, emit, done } = setup();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      watch.load('file:///app/index.html?first');
      watch.load('file:///app/index.html?second');
      emit('did-finish-load');
      await settle();
      expect(done).toEqual(['load file:///app/index.html?first', 'load file:///app/index.html?second']);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('hung, and asked once while the question is open', () => {
    const { emit, dialog } = setup();
    emit('unresponsive');
    emit('unresponsive');
    expect(dialog.shown).toHaveLength(1);
  });
});
