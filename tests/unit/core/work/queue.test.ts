import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../../src-main/core/work/queue.ts';

/** A job that records when it starts and finishes only when told. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('the core’s background-work queue', () => {
  it('runs one job at a time, the most urgent first, otherwise in the order asked', async () => {
    const queue = new WorkQueue();
    const order: string[] = [];
    const first = gate();
    const running = queue.run('background', async () => {
      order.push('analysis 1');
      await first.opened;
    });
    const later = [
      queue.run('background', async () => void order.push('analysis 2')),
      queue.run('page', async () => void order.push('predictions')),
      queue.run('view', async () => void order.push('maps 1')),
      queue.run('view', async () => void order.push('maps 2')),
    ];
    expect(queue.size).toBe(5);
    first.open();
    await Promise.all([running, ...later]);
    expect(order).toEqual(['analysis 1', 'maps 1', 'maps 2', 'predictions', 'analysis 2']);
    expect(queue.size).toBe(0);
  });

  it('goes on after a job that fails, and hands the failure to whoever asked', async () => {
    const queue = new WorkQueue();
    const failing = queue.run('view', async () => {
      throw new Error('forward pass failed');
    });
    const next = queue.run('view', async () => 42);
    await expect(failing).rejects.toThrow('forward pass failed');
    await expect(next).resolves.toBe(42);
  });

  it('goes on after a job that throws before its first await (e.g. its run’s weights are gone), handing that on too', async () => {
    const queue = new WorkQueue();
    const failing = queue.run('view', () => {
      throw new Error('The database connection is not open');
    });
    const next = queue.run('view', async () => 42);
    await expect(failing).rejects.toThrow('The database connection is not open');
    await expect(next).resolves.toBe(42);
  });

  it('cancels a group: its waiting jobs reject at once, its running job is aborted, other groups go on', async () => {
    const queue = new WorkQueue();
    const started = gate();
    const running = queue.run(
      'background',
      (signal) =>
        new Promise((_, reject) => {
          started.open();
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
      'run:1',
    );
    const waiting = queue.run('background', async () => 'never', 'run:1');
    const other = queue.run('background', async () => 'run 2 analysed', 'run:2');
    await started.opened;
    queue.cancel('run:1', 'run #1 was removed');
    await expect(running).rejects.toThrow('run #1 was removed');
    await expect(waiting).rejects.toThrow('run #1 was removed');
    await expect(other).resolves.toBe('run 2 analysed');
  });
});
