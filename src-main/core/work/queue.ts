/**
 * The core's one queue of background work: the forward passes of the activation views and of the
 * analyses, which share one forward-pass process (inference.ts). One job at a time, the most urgent
 * first — what a person is looking at, then what a page lists, then the analyses — and otherwise in the
 * order asked. A job can be cancelled (its run deleted, its page gone): while it waits its promise
 * rejects at once; while it runs its signal aborts, and the job stops at its next step.
 */
import { ApiError } from '../../../src-preload/api.ts';

export const PRIORITIES = ['view', 'page', 'background'] as const;
/** `view`: on screen now; `page`: a list the page shows (a whole test split's predictions); `background`: analyses. */
export type Priority = (typeof PRIORITIES)[number];

interface Job {
  priority: Priority;
  group: string | undefined;
  controller: AbortController;
  start(): Promise<void>;
  reject(err: Error): void;
}

export class WorkQueue {
  private readonly waiting: Job[] = [];
  private running: Job | undefined;

  /** Runs `work` when its turn comes; `group` (e.g. `run:3`) is what `cancel` names. */
  run<T>(priority: Priority, work: (signal: AbortSignal) => Promise<T>, group?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const controller = new AbortController();
      // Started inside a promise: a job that throws before its first await fails as one that rejects
      // does, instead of leaving the queue waiting on it for ever.
      const start = () => Promise.resolve().then(() => work(controller.signal)).then(resolve, reject);
      this.waiting.push({ priority, group, controller, reject, start });
      void this.next();
    });
  }

  /** Cancels every job of `group`, saying `reason`: the waiting ones reject, the running one is aborted. */
  cancel(group: string, reason: string): void {
    const error = new ApiError('conflict', reason);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.group === group) this.waiting.splice(i, 1)[0]!.reject(error);
    }
    if (this.running?.group === group) this.running.controller.abort(error);
  }

  /** Jobs waiting or running. */
  get size(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  private async next(): Promise<void> {
    if (this.running) return;
    while (this.waiting.length > 0) {
      const rank = (job: Job) => PRIORITIES.indexOf(job.priority);
      const first = this.waiting.reduce((best, job, i) => (rank(job) < rank(this.waiting[best]!) ? i : best), 0);
      this.running = this.waiting.splice(first, 1)[0]!;
      await this.running.start();
      this.running = undefined;
    }
  }
}

/** The group of a run's work, so that removing the run cancels it. */
export const runGroup = (runId: number) => `run:${runId}`;
