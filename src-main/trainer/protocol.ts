/**
 * The trainer process and its host talk in these messages, whichever way the process was started.
 *
 * A spawner starts `trainer-process.ts` (or its bundled build) and returns a `TrainerProcess`. Two exist:
 * `forkTrainer` here (Node's child_process.fork, for the CLI, the server and the tests), and the
 * Electron shell's, which can return `utilityProcess.fork(entry, [], { stdio: 'pipe' })` as it is: a
 * UtilityProcess already has this shape. On the trainer's side the same messages arrive through
 * `process.parentPort` (Electron) or `process.on('message')` (fork); trainer-process.ts handles both.
 *
 * Host → trainer: `start` once, then `stop` at most once (or `probe` alone, answered by `backend` or `failed`).
 * Trainer → host: `started`, any number of `progress` and `snapshot`, then `finished` or `failed`, and the
 * process exits. The trainer writes everything durable (snapshots, status) to the database itself;
 * messages are for live display.
 */
import type { Readable } from 'node:stream';
import type { BackendChoice, BackendInfo, TrainingProgress } from '../../src-preload/api.ts';
import type { Geometry, ProbeRecord } from './probe.ts';

export type { Geometry, ProbeRecord };

/** Progress as the loop sees it; the host adds the run's id before it reaches the renderer. */
export type LoopProgress = Omit<TrainingProgress, 'runId'>;

export type ToTrainer =
  /** `backend`: what the host's probe chose (the trainer starts it and reports it); absent, the run's own choice. */
  | { type: 'start'; dbPath: string; runId: number; backend?: BackendInfo }
  | { type: 'stop' }
  /**
   * Only says which backend `choice` gives for this geometry (answered by `backend`, or `failed` when a
   * named backend cannot start), then exits. For `auto`, `cached` is the record kept from an earlier probe.
   */
  | { type: 'probe'; choice: BackendChoice; geometry: Geometry; cached?: ProbeRecord; remeasure?: boolean };

export type FromTrainer =
  | { type: 'started'; backend: BackendInfo }
  | { type: 'progress'; progress: LoopProgress }
  | { type: 'snapshot'; seq: number; epoch: number; testAccuracy: number | null }
  | {
      type: 'finished';
      status: 'done' | 'stopped';
      /** This process's share of time: training steps, test evaluations, snapshots (read, stats, write). */
      trainSeconds: number;
      evalSeconds: number;
      snapshotSeconds: number;
      imagesTrained: number;
    }
  | { type: 'failed'; message: string }
  /** `record`: a new measurement for the host to keep (absent when the kept one was reused). */
  | { type: 'backend'; backend: BackendInfo; record?: ProbeRecord };

/** What the host needs of a started trainer process. Structurally what Electron's UtilityProcess offers. */
export interface TrainerProcess {
  readonly pid?: number | undefined;
  postMessage(message: ToTrainer): void;
  on(event: 'message', listener: (message: FromTrainer) => void): unknown;
  /** `signal` is absent where the platform does not say (Electron gives only the code). */
  on(event: 'exit', listener: (code: number | null, signal?: NodeJS.Signals | null) => void): unknown;
  /** Ends the process at once (no graceful stop: that is the `stop` message). */
  kill(): unknown;
  /** Its standard error, when piped: the host keeps the tail for crash messages. */
  readonly stderr?: Readable | null;
}

export type TrainerSpawner = () => TrainerProcess;
