/**
 * One trainer process seen from the core: starts it with its job, stores what it sends, passes its
 * messages on, stops it, and notices when it dies, hangs, or loses its data set. How the process is
 * started is the spawner's business (trainer/protocol.ts).
 *
 * The core is the one writer: the trainer sends each snapshot with its resume state, and the supervisor stores
 * both (and the run's timings) in one transaction the moment the message arrives, before anyone hears of
 * it, then answers `stored`. A snapshot is thus either wholly stored or, if the trainer dies before the
 * supervisor received it, not at all. The final status (`done`, `stopped`, `failed`) comes from the trainer's
 * last message. If the process exits while the run still reads `running`, it died without a word (killed,
 * out of memory, a native crash): the supervisor marks the run `interrupted` with what it knows (signal or exit
 * code, the end of its stderr), so it can be resumed. A stop that the trainer does not honour within
 * `stopGraceMs` ends in a kill and `stopped`.
 *
 * Faults the supervisor watches for, each ending the trainer with the reason in the run's `error`:
 * - a snapshot that cannot be stored (disk full, the database gone read-only or damaged): `failed`; the
 *   snapshots before it stay whole, and resuming once the cause is fixed carries on from the last one;
 * - the data set's files gone (moved, deleted, a drive unplugged), looked for every `datasetCheckMs`:
 *   `failed`, naming what is missing;
 * - silence: the trainer sends a heartbeat every second from a timer on the thread that trains, which
 *   fires whenever that thread is free — between batches, and while it awaits anything. No message for
 *   `heartbeatTimeoutMs` means that thread is stuck in one call (a hung GPU driver) or the process is
 *   suspended: it is killed and the run `interrupted`.
 */
import type { RunStatus } from '../../../src-preload/api.ts';
import { locate } from '../../datasets/locate.ts';
import { storeError, type Db } from '../store/db.ts';
import { isDiskFull } from '../store/errors.ts';
import { writeResumeState } from '../store/resume.ts';
import { getStoredRun, updateRun, type RunUpdate } from '../store/runs.ts';
import { insertSnapshot } from '../store/snapshots.ts';
import { ensureRoom } from '../store/space.ts';
import type { FromTrainer, LoopProgress, ResumeState, Snapshot, TrainerJob, TrainerProcess, TrainerSpawner } from '../../trainer/protocol.ts';

export interface TrainerWatch {
  /** A stop not honoured within this long ends in a kill. */
  stopGraceMs?: number;
  /**
   * No message (a heartbeat at least) for this long: the trainer hangs. Five minutes by default: a
   * heartbeat waits only for the one call in progress, and the slowest single call a healthy trainer makes —
   * a batch on the pure-JavaScript backend, or the first CUDA step while cuDNN tunes itself — takes well under
   * a minute, so a slow first epoch on a slow machine never looks hung.
   */
  heartbeatTimeoutMs?: number;
  /** How often the data set's files are looked for while training (0: never). */
  datasetCheckMs?: number;
}

export interface TrainerSupervisorOptions extends TrainerWatch {
  db: Db;
  job: TrainerJob;
  spawn: TrainerSpawner;
  /** Each message from the trainer, once what it says is stored (heartbeats excepted). */
  onMessage?: (message: FromTrainer) => void;
  /** Called once the process is gone and the run's final status is in the database. */
  onExit?: (status: RunStatus) => void;
}

const STDERR_TAIL = 2000;
const DEFAULT_WATCH = { stopGraceMs: 60_000, heartbeatTimeoutMs: 5 * 60_000, datasetCheckMs: 10_000 } satisfies Required<TrainerWatch>;

/** A duration or a rate as stored and shown: a clock that jumped must not make it negative (or infinite). */
const nonNegative = (x: number) => (Number.isFinite(x) && x > 0 ? x : 0);
const saneProgress = (p: LoopProgress): LoopProgress => ({ ...p, imagesPerSecond: nonNegative(p.imagesPerSecond), etaSeconds: nonNegative(p.etaSeconds) });

/**
 * The snapshot, its resume state and the run's timings in one transaction: all of it is stored, or none.
 * IMMEDIATE, as every write transaction that reads first: a deferred one starts as a reader, and when
 * another process commits before its first write it fails at once with SQLITE_BUSY (its snapshot of the
 * database is stale; no busy wait helps), which a loaded machine showed while the other process renamed runs.
 */
export function storeSnapshot(db: Db, runId: number, snapshot: Snapshot, state: ResumeState): void {
  const trainSeconds = nonNegative(state.trainSeconds);
  db.transaction(() => {
    insertSnapshot(db, runId, snapshot);
    writeResumeState(db, runId, state);
    updateRun(db, runId, { trainSeconds, imagesPerSecond: trainSeconds > 0 ? state.imagesTrained / trainSeconds : null });
  }).immediate();
}

/** The bytes a snapshot message asks to store: its tensors and its optimizer slots. */
const snapshotBytes = (snapshot: Snapshot, state: ResumeState) =>
  [...snapshot.tensors, ...state.optimizer.slots].reduce((n, t) => n + t.data.byteLength, 0);

export class TrainerSupervisor {
  readonly runId: number;
  /** The run's status once the process has exited. */
  readonly finished: Promise<RunStatus>;
  private readonly process: TrainerProcess;
  private readonly watch: Required<TrainerWatch>;
  private stopping = false;
  /** Set once the supervisor is done with the trainer (it failed the run, or the process exited): later messages change nothing. */
  private ended = false;
  /** Why the supervisor failed the run, kept to record again at exit if the first record did not fit. */
  private failure: string | undefined;
  /** Why the supervisor killed a trainer that hung, for the run's `interrupted` error. */
  private hangReason: string | undefined;
  private stderrTail = '';
  private killTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private datasetTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TrainerSupervisorOptions) {
    this.runId = options.job.runId;
    this.watch = {
      stopGraceMs: options.stopGraceMs ?? DEFAULT_WATCH.stopGraceMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? DEFAULT_WATCH.heartbeatTimeoutMs,
      datasetCheckMs: options.datasetCheckMs ?? DEFAULT_WATCH.datasetCheckMs,
    };
    // Where the probe's choice trains (auto's may be the desktop app's trainer window), else where the run's own choice does.
    this.process = options.spawn(options.job.backend ?? options.job.config.backend);
    if (this.process.pid !== undefined) updateRun(options.db, this.runId, { pid: this.process.pid });
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    this.process.on('message', (message) => this.receive(message));
    this.finished = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        for (const timer of [this.killTimer, this.heartbeat, this.datasetTimer]) clearTimeout(timer);
        this.ended = true;
        const status = this.settle(code, signal ?? null);
        options.onExit?.(status);
        resolve(status);
      });
    });
    if (this.watch.datasetCheckMs > 0) this.lookForDataset();
    this.process.postMessage({ type: 'start', job: options.job });
  }

  /** Asks the trainer to stop after its current batch; kills it if it has not exited in time. */
  stop(): Promise<RunStatus> {
    if (!this.stopping) {
      this.stopping = true;
      this.process.postMessage({ type: 'stop' });
      this.killTimer = setTimeout(() => this.process.kill(), this.watch.stopGraceMs);
    }
    return this.finished;
  }

  private receive(message: FromTrainer): void {
    this.listen();
    if (this.ended || message.type === 'heartbeat') return;
    try {
      this.record(message);
    } catch (err) {
      // The database refused (disk full, read-only, removed under us): training on would only lose more.
      const described = storeError(this.options.db, err);
      const reason = described instanceof Error ? described.message : String(described);
      if (message.type !== 'snapshot') return this.fail(`could not record the trainer's ${message.type} message: ${reason}`);
      const next = isDiskFull(err) ? 'free some space, then resume the run' : 'resume the run once that is fixed';
      return this.fail(`${reason}. Snapshot ${message.snapshot.seq} was not stored; the ones before it are intact: ${next}.`);
    }
    this.options.onMessage?.(message.type === 'progress' ? { ...message, progress: saneProgress(message.progress) } : message);
  }

  /** Writes what the message says. Synchronous, so a kill right after cannot undo an answered snapshot. */
  private record(message: Exclude<FromTrainer, { type: 'heartbeat' }>): void {
    const { db } = this.options;
    switch (message.type) {
      case 'started':
        updateRun(db, this.runId, { backend: message.backend.name, backendSummary: message.backend.summary });
        break;
      case 'snapshot':
        ensureRoom(db, snapshotBytes(message.snapshot, message.state));
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

  /** (Re)starts the heartbeat watch: each message from the trainer proves it alive. */
  private listen(): void {
    if (this.heartbeat) this.heartbeat.refresh();
    else this.heartbeat = setTimeout(() => this.hung(), this.watch.heartbeatTimeoutMs);
  }

  private hung(): void {
    const seconds = Math.round(this.watch.heartbeatTimeoutMs / 1000);
    this.hangReason =
      `the trainer stopped answering (no heartbeat for ${seconds} s: stuck in a call such as a hung GPU driver, or suspended), ` +
      'so it was ended; resume the run to carry on from its last snapshot';
    this.process.kill();
  }

  /**
   * Looks for the data set's files every `datasetCheckMs` while the run trains. A look that fails is made
   * once more before the run fails: one that raced a move (or a file being replaced) says nothing clear.
   */
  private lookForDataset(): void {
    const look = () => locate(this.options.job.datasetPath);
    this.datasetTimer = setTimeout(() => {
      look()
        .catch(look)
        .then(
          () => !this.ended && this.lookForDataset(),
          (err: Error) =>
            this.fail(`the data set is missing: ${err.message}. Put it back (or locate it on the Data sets page), then resume the run.`),
        );
    }, this.watch.datasetCheckMs);
  }

  /** Ends the trainer at once and records the run as `failed` with the reason. */
  private fail(error: string): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.process.kill();
    this.update({ status: 'failed', error, pid: null });
  }

  /** Records how the run ended; a database that refuses even that is reported, never thrown at a process event. */
  private update(update: RunUpdate): void {
    try {
      updateRun(this.options.db, this.runId, update);
    } catch (err) {
      const described = storeError(this.options.db, err);
      console.error(
        `weightlapse: run #${this.runId}: ${update.error ?? `became ${update.status}`}; recording that failed too: ${(described as Error).message}`,
      );
    }
  }

  private settle(code: number | null, signal: NodeJS.Signals | null): RunStatus {
    let run;
    try {
      run = getStoredRun(this.options.db, this.runId);
    } catch {
      return 'failed'; // the database cannot even be read now; `update` has said why
    }
    if (!run) return 'failed'; // removed meanwhile
    if (run.status !== 'running') return run.status;
    if (this.failure) {
      this.update({ status: 'failed', error: this.failure, pid: null }); // the first record did not fit: once more
      return 'failed';
    }
    if (this.stopping && !this.hangReason) {
      this.update({ status: 'stopped', pid: null });
      return 'stopped';
    }
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    this.update({ status: 'interrupted', pid: null, error: this.hangReason ?? `the trainer process ${how}${tail ? `: ${tail}` : ''}` });
    return 'interrupted';
  }
}
