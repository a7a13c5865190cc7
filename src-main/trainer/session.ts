/**
 * One training job as a trainer runs it, whatever hosts it (the trainer process, the hidden trainer
 * window): start the backend, get the data, train, and send every snapshot, the progress and how it
 * ended. A snapshot is sent only once the previous one is stored (`stored`), so at most one is in flight
 * and a killed trainer loses at most the one its host never saw.
 */
import type { BackendInfo } from '../../src-preload/api.ts';
import type { Split } from '../datasets/split.ts';
import { runTraining } from './loop.ts';
import type { FromTrainer, ResumeState, Snapshot, ToTrainer, TrainerJob } from './protocol.ts';

export interface JobSteps {
  backend(): Promise<BackendInfo>;
  data(): Promise<{ train: Split; test: Split }>;
}

export class TrainerSession {
  private stopRequested = false;
  /** The host's promises to answer `stored`, by snapshot seq. */
  private readonly storedBy = new Map<number, () => void>();
  /** The last snapshot sent, once the host has stored it. */
  private lastStored: Promise<void> = Promise.resolve();

  /** `send` hands a message over and resolves once it is on its way. */
  constructor(private readonly send: (message: FromTrainer) => Promise<void>) {}

  /** Ends training after the batch in progress (the epoch in progress is abandoned). */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** Handles the host's `stop` and `stored`. */
  receive(message: Extract<ToTrainer, { type: 'stop' | 'stored' }>): void {
    if (message.type === 'stop') this.requestStop();
    else {
      this.storedBy.get(message.seq)?.();
      this.storedBy.delete(message.seq);
    }
  }

  /** Trains the job; an error is sent as `failed` and thrown again. */
  async train(job: TrainerJob, steps: JobSteps): Promise<void> {
    try {
      const backend = await steps.backend();
      void this.send({ type: 'started', backend });
      const { train, test } = await steps.data();
      const result = await runTraining(
        job.config,
        { shape: job.inputShape, classes: job.classes, train, test },
        {
          onSnapshot: (snapshot, state) => this.sendSnapshot(snapshot, state),
          onProgress: (progress) => void this.send({ type: 'progress', progress }),
          shouldStop: () => this.stopRequested,
        },
        job.from,
      );
      await this.lastStored;
      await this.send({ type: 'finished', ...result });
    } catch (err) {
      await this.send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }

  private async sendSnapshot(snapshot: Snapshot, state: ResumeState): Promise<void> {
    await this.lastStored;
    this.lastStored = new Promise((resolve) => this.storedBy.set(snapshot.seq, resolve));
    void this.send({ type: 'snapshot', snapshot, state });
  }
}
