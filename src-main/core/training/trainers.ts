/**
 * The trainer processes of one core (one database, one event stream): at most one per run, plus pools of
 * runs that start as places free up, at most `parallel` of a pool at once (the freeze experiment trains its
 * two runs one after the other, which is kinder to a small machine than both at once; a group's members
 * train as many side by side as core/training/parallel.ts says). The core that opened them owns them
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

/** How a pool's runs train: how many at once, on what, with how many wasm threads each. */
export interface PoolOptions {
  parallel: number;
  backend?: BackendInfo;
  wasmThreads?: number;
}

/** Runs that start as places free up; `changed` wakes whoever waits for a queued run to start or drop out. */
interface Pool extends PoolOptions {
  pending: number[];
  active: Set<number>;
  changed: (() => void)[];
}

export class Trainers {
  private readonly supervisors = new Map<number, TrainerSupervisor>();
  /** Each pooled run (queued or training) → its pool. */
  private readonly pooled = new Map<number, Pool>();
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
        const pool = this.pooled.get(runId);
        if (pool) {
          this.pooled.delete(runId);
          pool.active.delete(runId);
          this.fill(pool);
        }
      },
    });
    this.supervisors.set(runId, supervisor);
    return supervisor;
  }

  /** Trains the runs (each reading `running`) in order, `parallel` at once, each starting as one before it ends, however it ends. */
  startPool(runIds: readonly number[], options: PoolOptions): void {
    const pool: Pool = { ...options, pending: [...runIds], active: new Set(), changed: [] };
    for (const runId of runIds) this.pooled.set(runId, pool);
    this.fill(pool);
  }

  /** Starts queued runs of the pool while it has room; a run no longer `running` (stopped meanwhile) drops out. */
  private fill(pool: Pool): void {
    while (pool.active.size < pool.parallel && pool.pending.length > 0) {
      const runId = pool.pending.shift()!;
      if (getStoredRun(this.db, runId)?.status !== 'running') {
        this.pooled.delete(runId);
        continue;
      }
      pool.active.add(runId);
      try {
        this.start({ ...trainerJob(this.db, runId), backend: pool.backend, wasmThreads: pool.wasmThreads });
      } catch (err) {
        // Its stored start point does not read: that run fails, the others go on.
        pool.active.delete(runId);
        this.pooled.delete(runId);
        updateRun(this.db, runId, { status: 'failed', error: err instanceof Error ? err.message : String(err), pid: null });
        this.emit('run.changed', { runId });
      }
    }
    for (const wake of pool.changed.splice(0)) wake();
  }

  /** True while the run waits in a pool for its place. */
  private queued(runId: number): boolean {
    return this.pooled.get(runId)?.pending.includes(runId) ?? false;
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
    return this.supervisors.has(runId) || this.queued(runId);
  }

  /** Stops a training or a queued run; resolves with its final status. */
  async stop(runId: number): Promise<RunStatus> {
    const pool = this.pooled.get(runId);
    if (pool && this.queued(runId)) {
      pool.pending.splice(pool.pending.indexOf(runId), 1);
      this.pooled.delete(runId);
      updateRun(this.db, runId, { status: 'stopped', pid: null });
      this.emit('run.changed', { runId });
      for (const wake of pool.changed.splice(0)) wake();
      return 'stopped';
    }
    const supervisor = this.supervisors.get(runId);
    if (!supervisor) throw new ApiError('conflict', `run #${runId} is not training here`, 'id');
    return supervisor.stop();
  }

  /** Resolves with the run's final status once its trainer (or the one it waits for) is done. */
  async finished(runId: number): Promise<RunStatus | undefined> {
    while (this.queued(runId)) await new Promise<void>((wake) => this.pooled.get(runId)!.changed.push(wake));
    return this.supervisors.get(runId)?.finished ?? getStoredRun(this.db, runId)?.status;
  }

  /** Every trainer message, with its run (the CLI shows backend and timings from them). */
  onMessage(listener: (runId: number, message: FromTrainer) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops everything, for shutting the core down. */
  async stopAll(): Promise<void> {
    await this.stopMany([...this.pooled.keys(), ...this.supervisors.keys()]);
  }

  /** Stops those of the runs that train or wait here: the queued ones first, so that none starts as another stops. */
  async stopMany(runIds: readonly number[]): Promise<void> {
    const mine = [...new Set(runIds)].filter((runId) => this.owns(runId));
    for (const runId of mine.filter((r) => this.queued(r))) await this.stop(runId);
    await Promise.all(mine.filter((r) => this.supervisors.has(r)).map((r) => this.supervisors.get(r)!.stop()));
  }

  private relay(runId: number, message: FromTrainer): void {
    for (const listener of this.listeners) listener(runId, message);
    if (message.type === 'progress') this.emit('run.progress', { runId, ...message.progress });
    else if (message.type !== 'finished') this.emit('run.changed', { runId });
  }
}
