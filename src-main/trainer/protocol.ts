/**
 * The trainer process and its host talk in these messages, whichever way the process was started.
 *
 * A spawner starts `trainer-process.ts` (or its bundled build) and returns a `TrainerProcess`. Two exist:
 * `forkTrainer` (core/training/spawn.ts: Node's child_process.fork, for the CLI, the server and the tests),
 * and the Electron shell's, which wraps `utilityProcess.fork(entry, [], { stdio: 'pipe' })`. Both carry
 * messages by structured clone (`serialization: 'advanced'` for fork), so typed arrays cross as they are.
 * On the trainer's side the same messages arrive through `process.parentPort` (Electron) or
 * `process.on('message')` (fork); trainer-process.ts handles both.
 *
 * The trainer never touches the database: the core is the one writer.
 *
 * Host → trainer: `start` once with everything the run needs (a `TrainerJob`), `stored` after each
 * snapshot it has committed, then `stop` at most once (or `probe` alone).
 * Trainer → host: `started`, any number of `progress` and `snapshot`, then `finished` or `failed`, and the
 * process exits. The host stores each `snapshot` (weights, metrics and resume state) in one transaction as
 * soon as it arrives, then answers `stored`; the trainer sends its next snapshot only once the previous one
 * is stored, so at most one is in flight and a killed trainer loses at most the one the host never saw.
 */
import type { Readable } from 'node:stream';
import type {
  BackendInfo,
  EpochMetrics,
  LayerChange,
  LayerName,
  RunConfig,
  TensorName,
  TrainingProgress,
} from '../../src-preload/api.ts';

/** Progress as the loop sees it; the host adds the run's id before it reaches the renderer. */
export type LoopProgress = Omit<TrainingProgress, 'runId'>;

/** One weight tensor: raw float32 values in the tensor's own (row-major) order. */
export interface SnapshotTensor {
  name: TensorName;
  shape: number[];
  data: Float32Array;
}

/** One stored point of a run (seq 0 = the initial weights). */
export interface Snapshot {
  seq: number;
  /** Fractional epochs trained. */
  epoch: number;
  metrics: EpochMetrics;
  layers: Record<LayerName, LayerChange>;
  tensors: SnapshotTensor[];
}

/** Each layer's kernel (the weights the change statistics are computed on). */
export type Kernels = Record<LayerName, Float32Array>;

export interface OptimizerState {
  iterations: number;
  /** The optimizer's slot variables (momentum, Adam moments) in its own order. */
  slots: { shape: number[]; data: Float32Array }[];
}

/** What continuing a run exactly needs beyond its weights; stored with each snapshot (core/store/resume.ts). */
export interface ResumeState {
  /** The snapshot this state belongs to. */
  seq: number;
  /** The epoch in progress, from 0 (equal to the epochs completed when `batch` is 0). */
  epoch: number;
  /** Batches of that epoch already trained. */
  batch: number;
  /** The shuffle RNG at the start of that epoch: it yields the epoch's order again. */
  epochRngState: number;
  /** Running train loss and accuracy sums of the epoch in progress. */
  epochSums: { loss: number; correct: number; seen: number };
  trainSeconds: number;
  imagesTrained: number;
  optimizer: OptimizerState;
}

/** Where a resumed run starts: its last snapshot's weights and resume state, and its initial kernels. */
export interface StartPoint {
  weights: Record<TensorName, Float32Array>;
  initial: Kernels;
  state: ResumeState;
}

/** Everything a trainer needs to train one run, read from the store by the host. */
export interface TrainerJob {
  runId: number;
  config: RunConfig;
  /** Where the data set's files are now. */
  datasetPath: string;
  /** The image shape (HWC) and class count the run was made for; the files must still match them. */
  inputShape: [number, number, number];
  classes: number;
  /** Absent for a fresh run. */
  from?: StartPoint;
}

export type ToTrainer =
  | { type: 'start'; job: TrainerJob }
  /** The snapshot with this seq is committed: the trainer may send the next one. */
  | { type: 'stored'; seq: number }
  | { type: 'stop' }
  /** Only says which backend `auto` would train on (answered by `backend`), then exits. */
  | { type: 'probe' };

export type FromTrainer =
  | { type: 'started'; backend: BackendInfo }
  | { type: 'progress'; progress: LoopProgress }
  | { type: 'snapshot'; snapshot: Snapshot; state: ResumeState }
  | {
      type: 'finished';
      status: 'done' | 'stopped';
      /** This process's share of time: training steps, test evaluations, snapshots (read, stats, send). */
      trainSeconds: number;
      evalSeconds: number;
      snapshotSeconds: number;
      imagesTrained: number;
    }
  | { type: 'failed'; message: string }
  | { type: 'backend'; backend: BackendInfo };

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

/** Starts a trainer; `job` (absent for a probe) lets a spawner pick where it trains (core/training/trainer-host.ts). */
export type TrainerSpawner = (job?: TrainerJob) => TrainerProcess;
