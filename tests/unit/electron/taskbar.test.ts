/**
 * The window's taskbar entry following the core's events (taskbar.ts), with the window stood in for: two
 * runs at once share the bar as their mean, a run that is no longer trained here leaves it, and the bar goes
 * once none trains. A real run driving it is in tests/e2e/desktop.test.ts (New Run…).
 */
import { describe, expect, it } from 'vitest';
import type { TrainingProgress } from '../../../src-preload/api.ts';
import { NO_PROGRESS, taskbarProgress } from '../../../src-main/electron/taskbar.ts';
import { ProgressBarStandIn } from './standins.ts';

const progress = (runId: number, epoch: number, batch: number): TrainingProgress => ({
  runId, epoch, epochs: 2, batch, batches: 10, loss: 1, accuracy: 0.5, imagesPerSecond: 100, etaSeconds: 1,
});

describe('the taskbar entry', () => {
  it('shows the mean of the runs training here, drops a run once its trainer has gone, and no bar with none left', () => {
    const bar = new ProgressBarStandIn();
    const training = new Set([1, 2]);
    const taskbar = taskbarProgress(() => bar, (runId) => training.has(runId));

    taskbar.follow('run.progress', progress(1, 1, 5));
    expect(bar.values).toEqual([0.25]);
    taskbar.follow('run.progress', progress(2, 2, 0));
    expect(bar.values.at(-1)).toBe((0.25 + 0.5) / 2);
    // A change while both still train (a snapshot stored), and a run this app does not train: nothing.
    taskbar.follow('run.changed', { runId: 1 });
    taskbar.follow('run.changed', { runId: 7 });
    expect(bar.values).toHaveLength(2);

    training.delete(2);
    taskbar.follow('run.changed', { runId: 2 });
    expect(bar.values.at(-1)).toBe(0.25);
    training.delete(1);
    taskbar.follow('run.changed', { runId: 1 });
    expect(bar.values.at(-1)).toBe(NO_PROGRESS);
  });

  it('never shows a run all done before it ends, and goes when its database closes', () => {
    const bar = new ProgressBarStandIn();
    const taskbar = taskbarProgress(() => bar, () => true);
    taskbar.follow('run.progress', progress(1, 2, 10));
    expect(bar.values).toEqual([0.99]);
    taskbar.clear();
    expect(bar.values).toEqual([0.99, NO_PROGRESS]);
  });
});
