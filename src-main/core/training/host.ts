/**
 * One trainer process seen from the app: starts it for a run, passes its messages on, stops it, and
 * notices when it dies. How the process is started is the spawner's business (protocol.ts).
 *
 * The trainer writes its own final status (`done`, `stopped`, `failed`). If it exits while the run
 * still reads `running`, it died without a word (killed, out of memory, a native crash): the host marks
 * the run `interrupted` with what it knows (signal or exit code, the end of its stderr), so it can be
 * resumed. A stop that the trainer does not honour within `stopGraceMs` ends in a kill and `stopped`.
 */
import type { BackendInfo, RunStatus } from '../../../src-preload/api.ts';
import type { Db } from '../store/db.ts';
import { getRunRow, updateRun } from '../store/runs.ts';
import type { FromTrainer, TrainerProcess, TrainerSpawner } from '../../trainer/protocol.ts';

export interface TrainerHostOptions {
  db: Db;
  dbPath: string;
  runId: number;
  spawn: TrainerSpawner;
  /** The backend the probe chose (core/training/probe.ts); the trainer decides itself without one. */
  backend?: BackendInfo;
  onMessage?: (message: FromTrainer) => void;
  /** Called once the process is gone and the run's final status is in the database. */
  onExit?: (status: RunStatus) => void;
  stopGraceMs?: number;
}

const STDERR_TAIL = 2000;

export class TrainerHost {
  readonly runId: number;
  /** The run's status once the process has exited. */
  readonly finished: Promise<RunStatus>;
  private readonly process: TrainerProcess;
  private stopping = false;
  private stderrTail = '';
  private killTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TrainerHostOptions) {
    this.runId = options.runId;
    this.process = options.spawn();
    if (this.process.pid !== undefined) updateRun(options.db, options.runId, { pid: this.process.pid });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    this.process.on('message', (message) => options.onMessage?.(message));
    this.finished = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        clearTimeout(this.killTimer);
        const status = this.settle(code, signal ?? null);
        options.onExit?.(status);
        resolve(status);
      });
    });
    const { dbPath, runId, backend } = options;
    this.process.postMessage({ type: 'start', dbPath, runId, ...(backend && { backend }) });
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

  private settle(code: number | null, signal: NodeJS.Signals | null): RunStatus {
    const { db, runId } = this.options;
    const row = getRunRow(db, runId);
    if (!row) return 'failed'; // removed meanwhile
    if (row.status !== 'running') return row.status;
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
