/**
 * The trainer process and its host talk in these messages, whichever way the process was started.
 *
 * A spawner starts `trainer-process.ts` (or its bundled build) and returns a `TrainerProcess`. Two exist:
 * `forkTrainer` here (Node's child_process.fork, for the CLI, the server and the tests), and the
 * Electron shell's, which can return `utilityProcess.fork(entry, [], { stdio: 'pipe' })` as it is: a
 * UtilityProcess already has this shape. On the trainer's side the same messages arrive through
 * `process.parentPort` (Electron) or `process.on('message')` (fork); trainer-process.ts handles both.
 *
 * Host → trainer: `start` once, then `stop` at most once (or `probe` alone). Trainer → host: `started`, any number of
 * `progress` and `snapshot`, then `finished` or `failed`, and the process exits. The trainer writes
 * everything durable (snapshots, status) to the database itself; messages are for live display.
 */
import type { Readable } from 'node:stream';
import type { BackendInfo, TensorName, TrainingProgress } from '../../src-preload/api.ts';

/** Progress as the loop sees it; the host adds the run's id before it reaches the renderer. */
export type LoopProgress = Omit<TrainingProgress, 'runId'>;

export type ToTrainer =
  | { type: 'start'; dbPath: string; runId: number }
  | { type: 'stop' }
  /** Only says which backend `auto` would train on (answered by `backend`), then exits. */
  | { type: 'probe' }
  | ForwardRequest;

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
  | { type: 'backend'; backend: BackendInfo }
  | { type: 'forward'; id: number; result: ForwardMaps | ForwardPredictions }
  | { type: 'forward-failed'; id: number; message: string };

/**
 * A forward pass over one stored snapshot, for the activation views (src-main/core/activations/). A
 * trainer process sent these instead of `start` never trains: it answers each request, one at a time,
 * with `forward` or `forward-failed` (same id), until it is killed.
 */
export interface ForwardRequest {
  type: 'forward';
  id: number;
  geometry: { shape: [number, number, number]; classes: number };
  /** Every tensor of the snapshot. */
  weights: Partial<Record<TensorName, Float32Array>>;
  /** HWC bytes of each image, and their labels. */
  split: { images: Uint8Array; labels: Uint8Array; count: number };
  /** 'maps': every layer's output for each image (a few); 'predictions': only the predicted class (a whole test set). */
  output: 'maps' | 'predictions';
}

/** Each image's layer outputs, NHWC, one image after another; probabilities: softmax of fc2, [images, classes]. */
export interface ForwardMaps {
  conv1: Float32Array;
  pool1: Float32Array;
  conv2: Float32Array;
  probabilities: Float32Array;
}

export interface ForwardPredictions {
  predicted: Uint8Array;
  /** The predicted class's probability. */
  confidence: Float32Array;
}

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
