/**
 * A trainer process that dies while the host still takes it for connected (src-main/core/training/fork.ts):
 * a message sent then is lost quietly, and its exit is reported — the write's EPIPE used to surface as an
 * uncaught exception (seen when the core closed and stopped a trainer that had just ended, on a loaded
 * machine). Here the trainer is killed and has died (a zombie: Node reaps it only when its event loop runs
 * again) before the message is sent, so the write meets a closed pipe every time.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { forkTrainer } from '../../../../src-main/core/training/fork.ts';

/** Whether the process has died but is not reaped yet (state Z in /proc). */
const isZombie = (pid: number) => / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^\d+ \(.*\)/, ''));

it('loses a message sent to a trainer that has just died, and reports its exit', async () => {
  const trainer = forkTrainer()();
  const exited = new Promise<NodeJS.Signals | null | undefined>((resolve) => trainer.on('exit', (_code, signal) => resolve(signal)));
  const uncaught: unknown[] = [];
  const record = (err: unknown) => uncaught.push(err);
  process.on('uncaughtException', record);
  try {
    const pid = trainer.pid!;
    process.kill(pid, 'SIGKILL');
    // Busy-wait, on purpose: while this loop runs, Node cannot learn of the death, so `connected` stays true.
    while (!isZombie(pid));
    trainer.postMessage({ type: 'stop' });
    expect(await exited).toBe('SIGKILL');
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', record);
  }
});
