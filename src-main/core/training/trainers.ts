/**
 * The trainer processes of one core (one database, one event stream): at most one per run, plus runs
 * queued to start when another finishes (the freeze experiment trains its two runs one after the
 * other, which is kinder to a small machine than both at once). The core that opened them owns them
 * (core/startup.ts): closing it stops them.
 *
 * A queued run already reads `running`, with this process's pid, so that another Weightlapse process
 * opening the same database does not take it for an orphan; if this process dies first it becomes
 * `interrupted` on the next open and can be resumed.
 */
import { ApiError, type BackendInfo, type EmitEvent, type RunStatus } from '../../../src-preload/api.ts';
import { databasePath, type Db } from '../store/db.ts';
import { getStoredRun, updateRun } from '../store/runs.ts';
import { TrainerSupervisor, type TrainerWatch } from './supervisor.ts';
import { trainerJob } from './job.ts';
import { probeBackend, type BackendQuery } from './probe.ts';
import type { FromTrainer, TrainerJob, TrainerSpawner } from '../../trainer/protocol.ts';
import { forkTrainer } from './fork.ts';

export interface TrainersOptions {
  db: Db;
  emit: EmitEvent;
  /** How trainer processes start: Electron's utilityProcess in the desktop app; child_process.fork by default. */
  spawn?: TrainerSpawner;
  /** How their supervisors watch the trainers (stop grace, heartbeat timeout, data set checks); defaults otherwise. */
  watch?: TrainerWatch;
}

export class Trainers {
  private readonly supervisors = new Map<number, TrainerSupervisor>();
  /** Queued run → the run it waits for, and the backend it will train on. */
  private readonly waiting = new Map<number, { after: number; backend?: BackendInfo }>();
  private readonly listeners = new Set<(runId: number, message: FromTrainer) => void>();
  private readonly db: Db;
  private readonly emit: EmitEvent;
  private readonly spawn: TrainerSpawner;
  private readonly watch: TrainerWatch;
  /** The backend probe's answers by choice and geometry, each asked once (it costs a process start). */
  private readonly backends = new Map<string, Promise<BackendInfo>>();

  constructor(options: TrainersOptions) {
    this.db = options.db;
    this.emit = options.emit;
    this.spawn = options.spawn ?? forkTrainer();
    this.watch = options.watch ?? {};
  }

  /** Starts a trainer on the job now. Its run must already read `running`. */
  start(job: TrainerJob): TrainerSupervisor {
    const { runId } = job;
    if (this.supervisors.has(runId)) throw new ApiError('conflict', `run #${runId} is already training`, 'id');
    const supervisor = new TrainerSupervisor({
      ...this.watch,
      db: this.db,
      job,
      spawn: this.spawn,
      onMessage: (message) => this.relay(runId, message),
      onExit: () => {
        this.supervisors.delete(runId);
        this.emit('run.changed', { runId });
        for (const [queued, { after, backend }] of this.waiting) {
          if (after !== runId) continue;
          this.waiting.delete(queued);
          if (getStoredRun(this.db, queued)?.status === 'running') this.start({ ...trainerJob(this.db, queued), backend });
        }
      },
    });
    this.supervisors.set(runId, supervisor);
    return supervisor;
  }

  /** Starts `runId` once `after` has finished, however it finishes. */
  queue(runId: number, after: number, backend?: BackendInfo): void {
    if (this.supervisors.has(after)) this.waiting.set(runId, { after, backend });
    else this.start({ ...trainerJob(this.db, runId), backend });
  }

  /** What a run would train on here, and why: asked of a trainer process once per choice and geometry, or again on request. */
  backend(query: BackendQuery): Promise<BackendInfo> {
    const key = JSON.stringify([query.choice, query.geometry]);
    let answer = this.backends.get(key);
    if (!answer || query.remeasure) {
      answer = probeBackend({ dbPath: databasePath(this.db), spawn: this.spawn }, query).catch((err: unknown) => {
        this.backends.delete(key); // ask again next time
        throw err;
      });
      this.backends.set(key, answer);
    }
    return answer;
  }

  /** True while the run has a trainer here or waits for one. */
  owns(runId: number): boolean {
    return this.supervisors.has(runId) || this.waiting.has(runId);
  }

  /** Stops a training or a queued run; resolves with its final status. */
  async stop(runId: number): Promise<RunStatus> {
    if (this.waiting.delete(runId)) {
      updateRun(this.db, runId, { status: 'stopped', pid: null });
      this.emit('run.changed', { runId });
      return 'stopped';
    }
    const supervisor = this.supervisors.get(runId);
    if (!supervisor) throw new ApiError('conflict', `run #${runId} is not training here`, 'id');
    return supervisor.stop();
  }

  /** Resolves with the run's final status once its trainer (or the one it waits for) is done. */
  async finished(runId: number): Promise<RunStatus | undefined> {
    const after = this.waiting.get(runId)?.after;
    if (after !== undefined) await this.supervisors.get(after)?.finished;
    return this.supervisors.get(runId)?.finished ?? getStoredRun(this.db, runId)?.status;
  }

  /** Every trainer message, with its run (the CLI shows backend and timings from them). */
  onMessage(listener: (runId: number, message: FromTrainer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops everything, for shutting the core down. */
  async stopAll(): Promise<void> {
    for (const runId of [...this.waiting.keys()]) await this.stop(runId);
    await Promise.all([...this.supervisors.values()].map((h) => h.stop()));
  }

  private relay(runId: number, message: FromTrainer): void {
    for (const listener of this.listeners) listener(runId, message);
    if (message.type === 'progress') this.emit('run.progress', { runId, ...message.progress });
    else if (message.type !== 'finished') this.emit('run.changed', { runId });
  }
}
