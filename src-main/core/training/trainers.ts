/**
 * The trainer processes of one core (one database, one event stream): at most one per run, plus runs
 * queued to start when another finishes (the freeze experiment trains its two runs one after the
 * other, which is kinder to a small machine than both at once).
 *
 * A queued run already reads `running`, with this process's pid, so that another Weightlapse process
 * opening the same database does not take it for an orphan; if this process dies first it becomes
 * `interrupted` on the next open and can be resumed.
 */
import { ApiError, type BackendInfo, type RunStatus } from '../../../src-preload/api.ts';
import type { CoreContext } from '../api/context.ts';
import { getRunRow, updateRun } from '../store/runs.ts';
import { TrainerHost } from './host.ts';
import type { FromTrainer, TrainerSpawner } from '../../trainer/protocol.ts';
import { forkTrainer } from './spawn.ts';

export type TrainerContext = Pick<CoreContext, 'db' | 'dbPath' | 'emit' | 'spawnTrainer'>;

export class Trainers {
  private readonly hosts = new Map<number, TrainerHost>();
  /** Queued run → the run it waits for, and the backend it will train on. */
  private readonly waiting = new Map<number, { after: number; backend?: BackendInfo }>();
  private readonly listeners = new Set<(runId: number, message: FromTrainer) => void>();

  constructor(private readonly ctx: TrainerContext) {}

  /** Read at each start, so that a shell may set `ctx.spawnTrainer` after the core has opened. */
  private get spawn(): TrainerSpawner {
    return this.ctx.spawnTrainer ?? forkTrainer();
  }

  /** Starts the run's trainer now, on `backend` if given. The run must already read `running`. */
  start(runId: number, backend?: BackendInfo): TrainerHost {
    if (this.hosts.has(runId)) throw new ApiError('conflict', `run #${runId} is already training`, 'id');
    const host = new TrainerHost({
      db: this.ctx.db,
      dbPath: this.ctx.dbPath,
      runId,
      spawn: this.spawn,
      backend,
      onMessage: (message) => this.relay(runId, message),
      onExit: () => {
        this.hosts.delete(runId);
        this.ctx.emit('run.changed', { runId });
        for (const [queued, { after, backend: queuedBackend }] of this.waiting) {
          if (after !== runId) continue;
          this.waiting.delete(queued);
          if (getRunRow(this.ctx.db, queued)?.status === 'running') this.start(queued, queuedBackend);
        }
      },
    });
    this.hosts.set(runId, host);
    return host;
  }

  /** Starts `runId` once `after` has finished, however it finishes. */
  queue(runId: number, after: number, backend?: BackendInfo): void {
    if (this.hosts.has(after)) this.waiting.set(runId, { after, backend });
    else this.start(runId, backend);
  }

  /** True while the run has a trainer here or waits for one. */
  owns(runId: number): boolean {
    return this.hosts.has(runId) || this.waiting.has(runId);
  }

  /** Stops a training or a queued run; resolves with its final status. */
  async stop(runId: number): Promise<RunStatus> {
    if (this.waiting.delete(runId)) {
      updateRun(this.ctx.db, runId, { status: 'stopped', pid: null });
      this.ctx.emit('run.changed', { runId });
      return 'stopped';
    }
    const host = this.hosts.get(runId);
    if (!host) throw new ApiError('conflict', `run #${runId} is not training here`, 'id');
    return host.stop();
  }

  /** Resolves with the run's final status once its trainer (or the one it waits for) is done. */
  async finished(runId: number): Promise<RunStatus | undefined> {
    const after = this.waiting.get(runId)?.after;
    if (after !== undefined) await this.hosts.get(after)?.finished;
    return this.hosts.get(runId)?.finished ?? getRunRow(this.ctx.db, runId)?.status;
  }

  /** Every trainer message, with its run (the CLI shows backend and timings from them). */
  onMessage(listener: (runId: number, message: FromTrainer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops everything, for shutting the core down. */
  async stopAll(): Promise<void> {
    for (const runId of [...this.waiting.keys()]) await this.stop(runId);
    await Promise.all([...this.hosts.values()].map((h) => h.stop()));
  }

  private relay(runId: number, message: FromTrainer): void {
    for (const listener of this.listeners) listener(runId, message);
    if (message.type === 'progress') this.ctx.emit('run.progress', { runId, ...message.progress });
    else if (message.type !== 'finished') this.ctx.emit('run.changed', { runId });
  }
}

const registries = new WeakMap<TrainerContext, Trainers>();

/** The trainers of a core context, created on first use. */
export function trainersOf(ctx: TrainerContext): Trainers {
  let trainers = registries.get(ctx);
  if (!trainers) registries.set(ctx, (trainers = new Trainers(ctx)));
  return trainers;
}
