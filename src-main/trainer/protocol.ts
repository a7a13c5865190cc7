/**
 * The trainer process and its host talk in these messages, whichever way the process was started.
 *
 * A spawner starts `trainer-process.ts` (or its bundled build) and returns a `TrainerProcess`. Two exist:
 * `forkTrainer` (core/training/fork.ts: Node's child_process.fork, for the CLI, the server and the tests),
 * and the Electron shell's, which wraps `utilityProcess.fork(entry, [], { stdio: 'pipe' })`. Both carry
 * messages by structured clone (`serialization: 'advanced'` for fork), so typed arrays cross as they are.
 * On the trainer's side the same messages arrive through `process.parentPort` (Electron) or
 * `process.on('message')` (fork); trainer-process.ts handles both. In the desktop app a third, the hidden
 * trainer window (src-main/electron/window-trainer.ts), speaks the same messages over a MessagePort for
 * the backends only a page has (core/training/trainer-host.ts).
 *
 * The trainer never touches the database: the core is the one writer.
 *
 * Host → trainer: `start` once with everything the run needs (a `TrainerJob`), `stored` after each
 * snapshot it has committed, then `stop` at most once (or `probe` alone, answered by `backend` or `failed`).
 * Trainer → host: `started`, any number of `progress` and `snapshot`, then `finished` or `failed`, and the
 * process exits; and from the start, a `heartbeat` every `HEARTBEAT_INTERVAL_MS`, by which the host tells a
 * hung trainer from a slow one (core/training/supervisor.ts). The host stores each `snapshot` (weights, metrics and resume state) in one transaction as
 * soon as it arrives, then answers `stored`; the trainer sends its next snapshot only once the previous one
 * is stored, so at most one is in flight and a killed trainer loses at most the one the host never saw.
 */
import type { Readable } from 'node:stream';
import type {
  BackendChoice,
  BackendInfo,
  EpochMetrics,
  Geometry,
  LayerChange,
  LayerName,
  ProbeLayer,
  RunConfig,
  TensorName,
  TrainingProgress,
} from '../../src-preload/api.ts';
import type { ConfusionMatrix } from '../shared/learning.ts';

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
  /** The test evaluation's confusion matrix, where the snapshot has one. */
  confusion?: ConfusionMatrix;
  /** The example ledger of the epoch trained in (all of it at an epoch's end); absent at seq 0. */
  ledger?: EpochLedger;
  /** At seq 0 of a run with `labelNoise`: the training labels it flipped (trainer/label-noise.ts). */
  labelNoise?: LabelNoise;
}

/** The training images whose labels a noisy-labels run flipped, ascending, and the labels it trained them with. */
export interface LabelNoise {
  share: number;
  indices: Uint32Array;
  labels: Uint8Array;
}

/**
 * One epoch's presentations of the training images, by training-split index (trainer/ledger.ts):
 * `correct` 1 or 0, NOT_PRESENTED (255) where the image was not presented yet; `pTrue` the true class's probability as
 * float16 bits (src-main/shared/half.ts).
 */
export const NOT_PRESENTED = 0xff;
export interface EpochLedger {
  /** The epoch, from 0. */
  epoch: number;
  correct: Uint8Array;
  pTrue: Uint16Array;
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
  /** The epoch in progress's ledger so far, when the run stopped inside an epoch and recorded one. */
  ledger?: EpochLedger;
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
  /** What the host's probe chose (core/training/probe.ts): the trainer starts it and reports it; absent, the run's own choice. */
  backend?: BackendInfo;
  /**
   * Threads for the wasm backend when several trainers share the cores (a group's members side by side,
   * core/training/parallel.ts); absent: one per logical core.
   */
  wasmThreads?: number;
}

export type ToTrainer =
  | { type: 'start'; job: TrainerJob }
  /** The snapshot with this seq is committed: the trainer may send the next one. */
  | { type: 'stored'; seq: number }
  | { type: 'stop' }
  /**
   * Only says which backend `choice` gives for this geometry (answered by `backend`, or `failed` when a
   * named backend cannot start), then exits. For `auto`, `cached` is the record kept from this host's
   * earlier probe; a trainer window answers `auto` with `probed` (its findings, measured), and the trainer
   * process is then handed them as `window` to choose among with its own (core/training/probe.ts).
   */
  | { type: 'probe'; choice: BackendChoice; geometry: BurstGeometry; cached?: ProbeRecord; remeasure?: boolean; window?: Findings }
  | ForwardRequest;

/** How often a trainer says it is alive, from a timer on the thread that trains. */
export const HEARTBEAT_INTERVAL_MS = 1000;

export type FromTrainer =
  | { type: 'heartbeat' }
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
  /** `record`: a new measurement for the host to keep (absent when the kept one was reused). */
  | { type: 'backend'; backend: BackendInfo; record?: ProbeRecord }
  /** A trainer window's answer to an `auto` probe: its record, and whether it is a new one to keep. */
  | { type: 'probed'; record: ProbeRecord; measured: boolean }
  | { type: 'forward'; id: number; result: ForwardResult }
  | { type: 'forward-failed'; id: number; message: string };

/**
 * A forward pass over one stored snapshot, for the activation views (src-main/core/activations/) and the
 * analyses (src-main/core/analysis/). A trainer process sent these instead of `start` never trains: it
 * answers each request, one at a time, with `forward` or `forward-failed` (same id), until it is killed.
 */
export type ForwardRequest = ForwardPass & (
  /** `ledger`: each image's end-of-epoch record against its label in `split` (a computed example ledger, ForwardLedger). */
  | { output: 'maps' | 'predictions' | 'activations' | 'ledger' }
  | { output: 'layers'; layers: LayerQuery }
  | { output: 'cross'; cross: CrossQuery }
  | { output: 'rewind'; rewind: RewindQuery }
  | { output: 'linear-fit'; fit: LinearFitQuery }
  /** What each unit of conv1, conv2 and the classes responds to (trainer/analysis/filters.ts): its top examples in `split`, */
  | { output: 'top9' }
  /** or its optimised input (`split` unused: send none). */
  | { output: 'featurevis'; steps: number; seed: number }
);

export interface ForwardPass {
  type: 'forward';
  id: number;
  geometry: { shape: [number, number, number]; classes: number };
  /** Every tensor of the snapshot. */
  weights: SnapshotWeights;
  /** HWC bytes of each image, and their labels. */
  split: { images: Uint8Array; labels: Uint8Array; count: number };
}
export type SnapshotWeights = Partial<Record<TensorName, Float32Array>>;

/**
 * The analyses' question about one snapshot (`weights`) on a probe set (`split`): its dead units, and the
 * linear CKA of each layer with each snapshot of `against` (itself included, where listed). The process
 * keeps what it computed of each snapshot under `probeKey` and `seq` (bounded: trainer/analysis/layers.ts),
 * so `against` needs weights only for what it does not hold; what it lacks it names in `missing`, and the
 * host asks again with their weights.
 */
export interface LayerQuery {
  /** Names the run and its probe set: what is kept under it is only ever compared with itself. */
  probeKey: string;
  seq: number;
  against: { seq: number; weights?: SnapshotWeights }[];
}

/**
 * Two runs' layers compared (the compare view): the linear CKA of every layer of snapshot `a` (the request's
 * weights) with every layer of snapshot `b` of another run, on one probe set (`split`, the same test images for
 * both). Each side is kept, and found again, as a `layers` query's snapshot is (under its probeKey and seq).
 */
export interface CrossQuery {
  a: { probeKey: string; seq: number };
  b: { probeKey: string; seq: number; weights: SnapshotWeights };
}

/** CKA [a's PROBE_LAYERS][b's PROBE_LAYERS], row by row. */
export interface ForwardCross {
  cka: Float64Array;
}

/**
 * The layer rewind map's question (trainer/analysis/rewind.ts): the test accuracy on `split` of the network
 * `weights` with one layer's kernel and bias replaced, once per variant — by a snapshot's (`from`), or drawn
 * afresh by LeNet's initialiser with `reinitSeed`. Accuracy as the training loop measures it (its evaluate).
 */
export interface RewindQuery {
  variants: ({ layer: LayerName; from: SnapshotWeights } | { layer: LayerName; reinitSeed: number })[];
}

/** The test accuracy of each variant, in the query's order. */
export interface ForwardRewind {
  accuracy: Float64Array;
}

/**
 * The linear share's question (trainer/analysis/linear.ts): a multinomial logistic regression on the raw
 * pixels (scaled to [0, 1]) of the training images `split`, fitted by full-batch Adam from zero weights.
 */
export interface LinearFitQuery {
  iterations: number;
  learningRate: number;
}

/** The fitted regression: kernel [pixels, classes] row by row, bias [classes], and its last training loss. */
export interface ForwardLinearFit {
  kernel: Float32Array;
  bias: Float32Array;
  loss: number;
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

/** Per image of the split: 1 if the predicted class is its label, else 0; its label's probability as float16 bits. */
export type ForwardLedger = Omit<EpochLedger, 'epoch'>;

/** Every compared layer's output for each image, NHWC (pool2 as fc1 takes it, flattened), one image after another. */
export type ForwardActivations = Record<ProbeLayer, Float32Array>;

/** A `layers` answer: CKA [PROBE_LAYERS][against] and the dead share [DEAD_LAYERS] (NaN: a layer constant over the probes); or what it lacks. */
export type ForwardLayers = { cka: Float64Array; dead: Float64Array } | { missing: number[] };

/** A `top9` or `featurevis` answer: the units per layer (conv1, conv2, classes) and their values, unit after unit (layouts: trainer/analysis/filters.ts). */
export interface FilterUnits {
  units: number[];
  data: Float64Array;
}

export type ForwardResult = ForwardMaps | ForwardPredictions | ForwardLedger | ForwardActivations | ForwardLayers | ForwardCross | ForwardRewind | ForwardLinearFit | FilterUnits;

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

/**
 * Starts a trainer. `backend` lets a spawner pick where it runs (core/training/trainer-host.ts): the choice
 * it probes or trains, or what a probe chose (whose `host` says where); absent for forward passes.
 */
export interface TrainerSpawner {
  (backend?: BackendChoice | BackendInfo): TrainerProcess;
  /** The desktop app's hidden trainer window, where there is one: `auto` measures its backends too. */
  readonly window?: (() => TrainerProcess) | undefined;
}

// ---------------------------------------------------------------------------------------------
// What `auto` measures (probe.ts): the backends each host started, and their bursts

export type BackendName = BackendInfo['name'];

/** A backend that started here, switched to. */
export interface Started {
  name: BackendName;
  gpu: boolean;
  /** Where it started: a trainer process, or the desktop app's hidden trainer window. */
  host: BackendInfo['host'];
  /** A few words for the one-line summary: "WebGPU · NVIDIA GeForce RTX 4070 (Vulkan)", "wasm, 2 threads". */
  label: string;
  /** Packages, versions, adapter and driver. */
  detail: string;
  /** A GPU adapter that is really the CPU (SwiftShader, lavapipe…): never chosen by `auto`. */
  software: boolean;
}

/** What a burst trains on: the run's image shape, classes and batch size. */
export interface BurstGeometry extends Geometry {
  batchSize: number;
}

/** A burst's speed and losses. */
export interface Burst {
  imagesPerSecond: number;
  /** The loss of the first warm-up step (same initial weights everywhere) and of the last timed step. */
  firstLoss: number;
  lastLoss: number;
}

/** One backend that started on a host, and its burst if it was measured. */
export interface Candidate extends Started {
  burst?: Burst;
  /** Why its burst failed, if it did. */
  failed?: string;
}

export interface PassedOver {
  name: BackendName;
  short: string;
  reason: string;
}

/** What a host found: the backends that started there, and those that did not with why. */
export interface Findings {
  candidates: Candidate[];
  passedOver: PassedOver[];
}

/** What the core keeps between runs for each host (as JSON) and hands back. */
export interface ProbeRecord extends Findings {
  fingerprint: string;
  geometry: BurstGeometry;
  measuredAt: string;
}
