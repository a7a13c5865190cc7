/**
 * One trainer process seen from the core: starts it with its job, stores what it sends, passes its
 * messages on, stops it, and notices when it dies. How the process is started is the spawner's business
 * (trainer/protocol.ts).
 *
 * The core is the one writer: the trainer sends each snapshot with its resume state, and the host stores
 * both (and the run's timings) in one transaction the moment the message arrives, before anyone hears of
 * it, then answers `stored`. A snapshot is thus either wholly stored or, if the trainer dies before the
 * host received it, not at all. The final status (`done`, `stopped`, `failed`) comes from the trainer's
 * last message. If the process exits while the run still reads `running`, it died without a word (killed,
 * out of memory, a native crash): the host marks the run `interrupted` with what it knows (signal or exit
 * code, the end of its stderr), so it can be resumed. A stop that the trainer does not honour within
 * `stopGraceMs` ends in a kill and `stopped`.
 */
import type { RunStatus } from '../../../src-preload/api.ts';
import type { Db } from '../store/db.ts';
import { writeResumeState } from '../store/resume.ts';
import { getStoredRun, updateRun } from '../store/runs.ts';
import { insertSnapshot } from '../store/snapshots.ts';
import type { FromTrainer, ResumeState, Snapshot, TrainerJob, TrainerProcess, TrainerSpawner } from '../../trainer/protocol.ts';

export interface TrainerHostOptions {
  db: Db;
  job: TrainerJob;
  spawn: TrainerSpawner;
  /** Each message from the trainer, once what it says is stored. */
  onMessage?: (message: FromTrainer) => void;
  /** Called once the process is gone and the run's final status is in the database. */
  onExit?: (status: RunStatus) => void;
  stopGraceMs?: number;
}

const STDERR_TAIL = 2000;

/** The snapshot, its resume state and the run's timings in one transaction: all of it is stored, or none. */
export function storeSnapshot(db: Db, runId: number, snapshot: Snapshot, state: ResumeState): void {
  insertSnapshot(db, runId, snapshot, () => {
    writeResumeState(db, runId, state);
    updateRun(db, runId, { trainSeconds: state.trainSeconds, imagesPerSecond: state.imagesTrained / state.trainSeconds || null });
  });
}

export class TrainerHost {
  readonly runId: number;
  /** The run's status once the process has exited. */
  readonly finished: Promise<RunStatus>;
  private readonly process: TrainerProcess;
  private stopping = false;
  private stderrTail = '';
  private killTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TrainerHostOptions) {
    this.runId = options.job.runId;
    this.process = options.spawn(options.job);
    if (this.process.pid !== undefined) updateRun(options.db, this.runId, { pid: this.process.pid });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    this.process.on('message', (message) => this.receive(message));
    this.finished = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        clearTimeout(this.killTimer);
        const status = this.settle(code, signal ?? null);
        options.onExit?.(status);
        resolve(status);
      });
    });
    this.process.postMessage({ type: 'start', job: options.job });
  }

  /** Asks the trainer to stop after its current batch; kills it if it has not exited in time. */
  stop(): Promise<RunStatus> {
    if (!this.stopping) {
      this.stopping = true;
      this.process.postMessage({ type: 'stop' });
      this.killTimer = setTimeout(() => this.process.kill(), this.options.stopGraceMs ?? 60_000);
    }
    return this.finished;
  }

  private receive(message: FromTrainer): void {
    try {
      this.record(message);
    } catch (err) {
      // The database refused (disk full, removed under us): training on would only lose more.
      const what = message.type === 'snapshot' ? `snapshot ${message.snapshot.seq}` : `the trainer's ${message.type} message`;
      this.fail(`could not store ${what}: ${(err as Error).message}`);
      return;
    }
    this.options.onMessage?.(message);
  }

  /** Writes what the message says. Synchronous, so a kill right after cannot undo an answered snapshot. */
  private record(message: FromTrainer): void {
    const { db } = this.options;
    switch (message.type) {
      case 'started':
        updateRun(db, this.runId, { backend: message.backend.name });
        break;
      case 'snapshot':
        storeSnapshot(db, this.runId, message.snapshot, message.state);
        this.process.postMessage({ type: 'stored', seq: message.snapshot.seq });
        break;
      case 'finished':
        updateRun(db, this.runId, { status: message.status, pid: null });
        break;
      case 'failed':
        updateRun(db, this.runId, { status: 'failed', error: message.message, pid: null });
        break;
    }
  }

  private fail(error: string): void {
    this.process.kill();
    try {
      updateRun(this.options.db, this.runId, { status: 'failed', error, pid: null });
    } catch (err) {
      console.error(`weightlapse: run #${this.runId}: ${error}; recording the failure failed too: ${(err as Error).message}`);
    }
  }

  private settle(code: number | null, signal: NodeJS.Signals | null): RunStatus {
    const { db } = this.options;
    const runId = this.runId;
    const run = getStoredRun(db, runId);
    if (!run) return 'failed'; // removed meanwhile
    if (run.status !== 'running') return run.status;
    if (this.stopping) {
      updateRun(db, runId, { status: 'stopped', pid: null });
      return 'stopped';
    }
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    updateRun(db, runId, { status: 'interrupted', pid: null, error: `the trainer process ${how}${tail ? `: ${tail}` : ''}` });
    return 'interrupted';
  }
}
