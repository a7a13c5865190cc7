/**
 * The API contract: every call the renderer can make and every event it can receive.
 *
 * One table (`contract`) gives each method's input schema; the output type rides along as a phantom
 * type. It is bound three ways without being written again: `ipcMain.handle` in Electron
 * (src-main/electron/ipc.ts), HTTP routes in the local server (src-main/server/), and the renderer's client
 * (src-renderer/src/api/). Inputs are validated on the main side with `parseInput`; errors cross every
 * boundary as data (`ApiResult`), with a message a person can read and the field at fault.
 *
 * This file is isomorphic: no Node, no Electron, no DOM.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Shared vocabulary

export const LAYERS = ['conv1', 'conv2', 'fc1', 'fc2'] as const;
export type LayerName = (typeof LAYERS)[number];
export const TENSOR_NAMES = [
  'conv1/kernel',
  'conv1/bias',
  'conv2/kernel',
  'conv2/bias',
  'fc1/kernel',
  'fc1/bias',
  'fc2/kernel',
  'fc2/bias',
] as const;
export type TensorName = (typeof TENSOR_NAMES)[number];

/** What a LeNet is built for: its input images' shape (HWC) and the number of classes. */
export interface Geometry {
  shape: [number, number, number];
  classes: number;
}

/**
 * `auto` measures (see BackendInfo); the others name a backend: `tensorflow` is either TensorFlow package, GPU
 * first. `webgpu` trains on Dawn in a trainer process, and in the desktop app on Chromium's WebGPU in its
 * hidden trainer window; `webgl` only there (core/training/trainer-host.ts).
 */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export const RUN_STATUSES = ['running', 'done', 'stopped', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A stored row's id. Above 2^53 − 1 a number is no longer exact (JSON's 9007199254740993 arrives as …992): refused, never rounded. */
const ID_RANGE = `must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER} (2^53 − 1)`;
export const idSchema = z.number().int(ID_RANGE).min(1, ID_RANGE).max(Number.MAX_SAFE_INTEGER, ID_RANGE);
const id = idSchema;
const text = (max: number) => z.string().trim().min(1).max(max);
/** A run's or a data set's name, on every path (IPC, HTTP, the command line): shown in lists and terminals, so no control characters. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be 200 characters at most')
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  .refine((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s), 'must not contain control characters (a line break, an escape code)');
/** A path on the machine that runs the core. Relative paths and `..` are resolved there. */
const fsPath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'must not contain NUL bytes');

export const runConfigSchema = z.object({
  epochs: z.number('the number of epochs is needed').int('a whole number of epochs').min(1, 'at least 1 epoch').max(1000, 'at most 1000 epochs').default(29),
  batchSize: z.number('a batch size is needed').int('a whole number of images per batch').min(1, 'a batch of at least 1 image').max(4096, 'a batch of at most 4096 images').default(64),
  optimizer: z.enum(['sgd', 'adam'], 'the optimizer is sgd or adam').default('sgd'),
  learningRate: z.number('a learning rate is needed').positive('a learning rate above 0').max(10, 'a learning rate of at most 10').default(0.01),
  /** SGD momentum (ignored by Adam). */
  momentum: z.number('a momentum is needed (0 for none)').min(0, 'a momentum of at least 0').max(0.999, 'a momentum of at most 0.999').default(0.9),
  seed: z.number('a seed is needed (any whole number)').int('a whole number as the seed').min(0, 'a seed of at least 0').max(2 ** 31 - 1, 'a seed of at most 2147483647').default(1),
  freeze: z.array(z.enum(LAYERS, `only ${LAYERS.join(', ')} can be frozen`), 'the layers to freeze, as a list').max(4, 'at most 4 layers to freeze').default([]),
  trainLimit: z.number('a number of training images (empty: all)').int('a whole number of training images').min(1, 'at least 1 training image').max(10_000_000, 'at most 10,000,000 training images').optional(),
  testLimit: z.number('a number of test images (empty: all)').int('a whole number of test images').min(1, 'at least 1 test image').max(10_000_000, 'at most 10,000,000 test images').optional(),
  /** Snapshots inside the first epoch (1 = only at its end), because that is where filters move most. */
  snapshotsPerEpoch: z.number('a number of first-epoch snapshots is needed').int('a whole number of snapshots').min(1, 'at least 1 snapshot in the first epoch').max(100, 'at most 100 snapshots in the first epoch').default(1),
  backend: z.enum(BACKEND_CHOICES, `the backend is one of ${BACKEND_CHOICES.join(', ')}`).default('auto'),
  /** The noisy-labels experiment (issue 26): this share of the training labels flipped, seeded by `seed`, in memory only. */
  labelNoise: z.number('a share of labels to flip (0 to 0.9)').min(0, 'a label noise of at least 0').max(0.9, 'a label noise of at most 0.9').optional(),
  // Strict like every other object of the contract: a mistyped key ({"epoch": 1}) is refused, not ignored.
}).strict();
export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

export interface ClassCounts {
  count: number;
  perClass: number[];
}

export const DATASET_FORMATS = ['idx', 'cifar10', 'images'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** The input shapes a folder of images can be turned into (H×W×C); `auto` is grey when every image is grey. */
export const IMAGE_SHAPES = ['auto', '28x28x1', '32x32x3'] as const;
export type ImageShape = (typeof IMAGE_SHAPES)[number];

/** How a folder of images (one subfolder per class) becomes tensors. Stored with the data set. */
export const imageOptionsSchema = z
  .object({
    shape: z.enum(IMAGE_SHAPES).default('auto'),
    /** `crop`: the centred square of each image; `squash`: the whole image, its aspect ratio given up. */
    fit: z.enum(['crop', 'squash']).default('crop'),
    /** The share of each class held out for testing, where the folder has no test/ (or val/) folder. */
    holdout: z.number().min(0.01).max(0.5).default(1 / 6),
    /** Which files the hold-out takes: the same seed and files give the same split. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  })
  .strict();
export type ImageOptions = z.output<typeof imageOptionsSchema>;
export type ImageOptionsInput = z.input<typeof imageOptionsSchema>;

/** A file of an image folder that is not in the data set, and why. `file` is relative to the folder. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** How an image folder was prepared: what a run trains on is exactly this, so it is stored. */
export interface ImagePreparation {
  /** The folder of class subfolders the images came from. */
  folder: string;
  /** `folders`: its own train/ and test/ (or val/) folders; `holdout`: a seeded, stratified share of each class. */
  split: 'folders' | 'holdout';
  /** As asked (`shape` may be `auto`; the description's `shape` says what it came to). */
  options: ImageOptions;
  /** The resampling filter, in words. */
  resize: string;
  /** The decoding libraries and their versions. */
  decoder: string;
  /** Files left out, in path order; at most `SKIPPED_LISTED` of them (`skippedCount` says how many in all). */
  skipped: SkippedFile[];
  skippedCount: number;
}
export const SKIPPED_LISTED = 1000;

export interface DatasetDescription {
  name: string;
  format: DatasetFormat;
  /**
   * What runs read: a folder or a `.tar.gz` archive; for an image folder, the tensor file it was
   * prepared into (its folder is `images.folder`).
   */
  path: string;
  shape: [number, number, number];
  classes: string[];
  train: ClassCounts;
  test: ClassCounts;
  /** Image folders only. */
  images?: ImagePreparation;
}

/** Preparing an image folder: reading the folder, then decoding and resizing, then writing the tensor file. */
export interface DatasetProgress {
  folder: string;
  phase: 'scanning' | 'decoding' | 'writing';
  done: number;
  total: number;
}

export interface DatasetInfo extends DatasetDescription {
  id: number;
  checksum: string;
  addedAt: string;
  bundled: boolean;
  /** False when the files on disk no longer match the checksum taken when it was added. */
  available: boolean;
  /** Its files are not where they were (moved, deleted, on a drive not mounted): `datasets.locate` finds them again. */
  missing?: true;
  problem?: string;
}

export interface DatasetSamples {
  shape: [number, number, number];
  classes: string[];
  /** HWC bytes of each image, concatenated. */
  images: Uint8Array;
  labels: number[];
  /** Each image's index in the test split (what a pinned input names). */
  indices: number[];
}

/**
 * What trains, and why. `auto` measures a short training burst on each backend that can start here,
 * never takes a software GPU adapter, and keeps the CPU path unless a GPU is at least 1.3× faster.
 */
export interface BackendInfo {
  name: 'tensorflow-gpu' | 'webgpu' | 'webgl' | 'tensorflow' | 'wasm' | 'cpu';
  /** True when it trains on a GPU (larger batches are worth offering then). */
  gpu: boolean;
  /** Where it trains: a trainer process, or the desktop app's hidden trainer window (Chromium's WebGPU and WebGL). */
  host: 'process' | 'window';
  /**
   * One line: what trains and why, e.g. "GPU: WebGPU · NVIDIA GeForce RTX 4070 (Vulkan) · 4.1× CPU" or
   * "CPU: wasm, 2 threads — CUDA 11.2 runtime not found; WebGPU adapter is software only".
   */
  summary: string;
  /** Versions, adapter and driver, the measurements, and why each other backend was passed over. */
  detail: string;
  warning?: string;
}

export interface EpochMetrics {
  trainLoss: number | null;
  trainAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
}

export interface LayerChange {
  /** L2 norm of the layer's kernel. */
  norm: number;
  /** ‖W_e − W_prev‖ / ‖W_prev‖ (previous stored snapshot). */
  relChangePrev: number;
  /** ‖W_e − W_0‖ / ‖W_0‖. */
  relChangeInit: number;
}

export interface SnapshotInfo {
  /** Position in the run, 0 = initial weights. */
  seq: number;
  /** Fractional epochs trained: 0, 0.25, …, 1, 2, … */
  epoch: number;
  metrics: EpochMetrics;
  layers: Record<LayerName, LayerChange>;
  createdAt: string;
}

export interface RunSummary {
  id: number;
  name: string;
  datasetId: number | null;
  datasetName: string;
  status: RunStatus;
  backend: string | null;
  epochsDone: number;
  epochs: number;
  bestTestAccuracy: number | null;
  inputShape: [number, number, number];
  createdAt: string;
  updatedAt: string;
  error: string | null;
  /** The group (one experiment repeated over seeds) the run belongs to; null for a run of its own. */
  groupId: number | null;
}

export interface RunDetail extends RunSummary {
  config: RunConfig;
  classes: string[];
  tensors: { name: TensorName; shape: number[] }[];
  snapshots: SnapshotInfo[];
  /** Seconds spent training (excluding snapshot writes). */
  trainSeconds: number;
  imagesPerSecond: number | null;
  /** What trained it and why, as `BackendInfo.summary` said when its trainer last started. */
  backendSummary: string | null;
}

export interface TensorValue {
  shape: number[];
  data: Float32Array;
}

export interface TensorSeries {
  shape: number[];
  /** The snapshot `seq`s, in order. */
  seqs: number[];
  /** `seqs.length` tensors of `shape`, one after another. */
  data: Float32Array;
}

/**
 * One tensor's statistics at every stored snapshot, written with each snapshot: what the viewer's fixed
 * colour scale, its legend and the change heat map are made of (never a scan of the series in the page).
 * Per-snapshot arrays have one value per seq; per-filter arrays are seqs × filters (the tensor's last
 * axis), row by row.
 */
export interface TensorStats {
  shape: number[];
  seqs: number[];
  min: Float32Array;
  max: Float32Array;
  maxAbs: Float32Array;
  /** L2 norm of the whole tensor. */
  norm: Float32Array;
  /** max |w_f| per filter. */
  filterMaxAbs: Float32Array;
  /** max |w_f − w_f at the previous stored snapshot| (0 at the first): the scale of "− previous". */
  prevMaxAbs: Float32Array;
  /** max |w_f − w_f at the first snapshot|: the scale of "− initial". */
  initMaxAbs: Float32Array;
  /** ‖w_f − w_f at the previous snapshot‖ / ‖w_f there‖ (0 at the first, and where that filter is all zero). */
  changePrev: Float32Array;
  /** ‖w_f − w_f at the first snapshot‖ / ‖w_f there‖. */
  changeInit: Float32Array;
}

export interface TrainingProgress {
  runId: number;
  /** The epoch in progress, from 1. */
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Running means over the epoch so far. */
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

/**
 * How much of a whole run a progress message says is done, from 0 to 0.99: never all of it before the run
 * ends, since the evaluation and the snapshot follow the last batch. The page's title and the desktop app's
 * taskbar entry both show it, so that they agree.
 */
export function runFraction(p: Pick<TrainingProgress, 'epoch' | 'epochs' | 'batch' | 'batches'>): number {
  const done = (p.epoch - 1 + (p.batches > 0 ? p.batch / p.batches : 0)) / Math.max(1, p.epochs);
  return Math.min(0.99, Math.max(0, done));
}

/** The shell around the core that serves the page: the desktop app, or the local server to a browser. */
export type Shell = 'desktop' | 'browser';

export interface AppInfo {
  version: string;
  /** The shell the page runs in: 'desktop' inside Electron, 'browser' through the local server. */
  shell: Shell;
  backend: BackendInfo;
  dbPath: string;
  /** Why the database cannot be written, when it cannot: the app browses it, with training and edits off. */
  readOnly?: string;
}

// ---------------------------------------------------------------------------------------------
// What the filters do: pinned inputs through every snapshot, and per-class learning

/** The layers whose outputs the activation view shows (conv1 and conv2 after their ReLU). */
export const MAP_LAYERS = ['conv1', 'pool1', 'conv2'] as const;
export type MapLayer = (typeof MAP_LAYERS)[number];

/** [height, width, channels] of a layer's output for an input of `shape` (valid 5×5 convolutions, 2×2 pooling). */
export function mapShape([h, w]: readonly number[], layer: MapLayer): [number, number, number] {
  const c1 = [h! - 4, w! - 4];
  if (layer === 'conv1') return [c1[0]!, c1[1]!, 20];
  const p1 = [Math.floor(c1[0]! / 2), Math.floor(c1[1]! / 2)];
  if (layer === 'pool1') return [p1[0]!, p1[1]!, 20];
  return [p1[0]! - 4, p1[1]! - 4, 50];
}
/** At most this many pinned inputs per run. */
export const MAX_PINS = 16;

/** Test images, by their index in the data set's test split, with what they are. */
export interface TestImages {
  /** Indices into the data set's test split. */
  indices: number[];
  labels: number[];
  /** HWC bytes of each image, one after another. */
  images: Uint8Array;
  shape: [number, number, number];
  classes: string[];
}

export interface PinnedInputs extends TestImages {
  runId: number;
  /** True while the run has the default set: the first test image of each class. */
  isDefault: boolean;
  /** How many test images there are to pin from (indices 0 … testCount − 1). */
  testCount: number;
}

/** A map layer's outputs for every input: [inputs, height, width, channels]. */
export interface MapTensor {
  shape: number[];
  data: Float32Array;
}

export interface ActivationMaps extends TestImages {
  runId: number;
  seq: number;
  /** The maps at `seq`, or their change since the reference snapshot when `diff` was asked. */
  maps: Record<MapLayer, MapTensor>;
  /** Softmax of the output layer, [inputs, classes] (never a difference). */
  probabilities: Float32Array;
  /** Per layer, the largest |value| over every stored snapshot and these inputs (of the differences, in diff mode). */
  scale: Record<MapLayer, number>;
  /** Per input, the seq from which it is classified correctly at every later snapshot (null: not so at the last). */
  learnedAt: (number | null)[];
}

export interface ClassLearning {
  runId: number;
  classes: string[];
  /** The snapshots with a test evaluation, in order. */
  seqs: number[];
  epochs: number[];
  /** Per snapshot: the test confusion matrix, counts [true class][predicted class], classes × classes. */
  confusion: Uint32Array[];
  /** Per class, its test accuracy at each of those snapshots (null: no test image of the class). */
  accuracy: (number | null)[][];
  /** Per class, the seq from which its accuracy stays at 90 % of its final value or above (null: never above 0). */
  learnedAt: (number | null)[];
  /** How many of the matrices were computed for this call (snapshots stored before they were kept). */
  computed: number;
}

export interface Mistakes extends TestImages {
  runId: number;
  seq: number;
  /** Test images the run evaluates on. */
  total: number;
  /** How many of them the snapshot gets wrong (the lists hold the most confident `limit`). */
  count: number;
  predicted: number[];
  /** The predicted class's probability. */
  confidence: number[];
}

// ---------------------------------------------------------------------------------------------
// Analyses: what the network learned, and when (src-main/core/analysis/)

/** The layers whose representations are compared (their outputs on the probe set; logits are fc2's, before the softmax). */
export const PROBE_LAYERS = ['conv1', 'pool1', 'conv2', 'pool2', 'fc1', 'logits'] as const;
export type ProbeLayer = (typeof PROBE_LAYERS)[number];
/** The layers with a ReLU, whose units can die: a conv layer's units are its filters (a map that is 0 everywhere), fc1's its neurons. */
export const DEAD_LAYERS = ['conv1', 'conv2', 'fc1'] as const;
export type DeadLayer = (typeof DEAD_LAYERS)[number];
/**
 * What is stored per snapshot: `cka`, linear CKA of every layer with every earlier snapshot; `dead`, the share of dead units per layer;
 * `rewind`, the final network's test accuracy with each layer put back to this snapshot; `reinit` (on the final snapshot), the same
 * with each layer drawn afresh; `linear`, the share of test images on which the snapshot agrees with the pixel regression;
 * `linear-fit` (on the first snapshot of one run of a data set, found by its params from every run of it), that regression;
 * `top9` and `featurevis`, what each filter and class unit responds to (FilterAnalysis below).
 */
export const ANALYSIS_KINDS = ['cka', 'dead', 'rewind', 'reinit', 'linear', 'linear-fit', 'top9', 'featurevis'] as const;
export type AnalysisKind = (typeof ANALYSIS_KINDS)[number];
/** Probe images by default, and at most (each layer's Gram matrix grows with its square). */
export const DEFAULT_PROBES = 1000;
export const MAX_PROBES = 5000;

/** The fixed test images every snapshot of a run is measured on: a seeded, class-stratified subset of its data set's test split. */
export interface ProbeSet {
  size: number;
  /** Indices into the data set's test split, ascending. */
  indices: number[];
}

/**
 * A run's layers over training, for the heat strip: per layer, linear CKA of each snapshot with the final
 * one, "settled at", and the dead units. Snapshots not analysed yet read null; they are being analysed
 * in the background (`analysis.progress` says how far), and a later call gives them.
 */
export interface LayerAnalysis {
  runId: number;
  probes: ProbeSet;
  seqs: number[];
  epochs: number[];
  layers: ProbeLayer[];
  /** How many of the snapshots are analysed (all of them: `analysed === seqs.length`). */
  analysed: number;
  /** Per layer, CKA of each snapshot with the last analysed one ([layer][snapshot]; null: not analysed, or a layer constant over the probes). */
  toFinal: (number | null)[][];
  threshold: number;
  /** Per layer, the first seq from which CKA to the final snapshot stays ≥ threshold (null: none analysed). */
  settledAt: (number | null)[];
  dead: {
    layers: DeadLayer[];
    /** Units per layer: filters for conv layers, neurons for fc1. */
    units: number[];
    /** [layer][snapshot]: the share of units that are 0 on every probe image (null: not analysed). */
    share: (number | null)[][];
  };
}

/** One layer's linear CKA between every pair of snapshots, seqs × seqs row by row (symmetric; NaN where not analysed yet). */
export interface SimilarityMatrix {
  runId: number;
  layer: ProbeLayer;
  probes: ProbeSet;
  seqs: number[];
  epochs: number[];
  matrix: Float64Array;
  analysed: number;
}

// ---------------------------------------------------------------------------------------------
// Examples: how each training image is learned, forgotten and learned again (issue 26)

/**
 * Where an example ledger came from: `recorded` by the training loop (each image's minibatch prediction,
 * before that batch's update), or `computed` afterwards from the stored snapshots (`analyses.computeExamples`:
 * one forward pass of the training set per snapshot, each image predicted by the network as it was at the
 * snapshot — at an epoch's end, the end-of-epoch network).
 */
export const EXAMPLE_SOURCES = ['recorded', 'computed'] as const;
export type ExampleSource = (typeof EXAMPLE_SOURCES)[number];

/**
 * Every training image of a run as of one snapshot, from one of its example ledgers (each image's prediction
 * and p(true class) at each presentation, one presentation per epoch): arrays indexed by the image's index in
 * the data set's training split. `source` null: the run has no ledger of the source asked for (stored before
 * ledgers were recorded, none computed yet, or not a batch trained), and every array is empty.
 */
export interface ExampleTable {
  runId: number;
  /** The ledger shown: the one asked for, else the recorded one where there is one, else the computed one. */
  source: ExampleSource | null;
  /** The ledgers the run has (a computed one counts once it covers a snapshot). */
  sources: ExampleSource[];
  /** How far computing the ledger from the snapshots is (done of total snapshots after the first); running: under way now. */
  computed: { done: number; total: number; running: boolean };
  /** The snapshot the table is as of, and its (fractional) epoch. */
  seq: number;
  epoch: number;
  /** Epochs with presentations (the last one may be partial, as of a snapshot inside an epoch). */
  epochs: number;
  count: number;
  classes: string[];
  /** The label each image was trained with. */
  labels: Uint8Array;
  /** Presentations counted, per image. */
  presented: Int32Array;
  /** Forgetting events: right at one presentation, wrong at the next (Toneva et al. 2019). */
  forgetting: Int32Array;
  /** The epoch (from 1) from which every presentation was right; -1 when its last one was wrong or it was never presented. */
  learnedFrom: Int32Array;
  /** Mean p(true class) over its presentations: Swayamdipta et al.'s (2020) confidence. */
  confidence: Float32Array;
  /** Their variability: the standard deviation of p(true class) over its presentations (population, ÷ n). */
  variability: Float32Array;
  /** The share of its presentations predicted right. */
  correctness: Float32Array;
  /** Images learned (right at least once) and never forgotten; images never right; forgetting events in all. */
  totals: { unforgettable: number; neverLearned: number; forgettingEvents: number };
  /**
   * A noisy-labels run's flipped images (ascending; `labels` holds the flipped labels it trained with), and
   * how well low confidence finds them: the ROC AUC of 1 − confidence, flipped against clean images (0.5:
   * chance; null: no presentations yet). null: not a noisy-labels run.
   */
  noise: { share: number; flipped: Uint32Array; auc: number | null } | null;
}

/** Some training images with each one's record at each epoch's presentation, for the galleries and the data map's selection. */
export interface ExampleSeries {
  runId: number;
  /** Epochs with presentations, from 1. */
  epochs: number[];
  /** Indices into the data set's training split. */
  indices: number[];
  labels: number[];
  /** HWC bytes of each image, one after another. */
  images: Uint8Array;
  shape: [number, number, number];
  classes: string[];
  /** [image][epoch]: 1 right, 0 wrong, 255 not presented in that epoch. */
  correct: Uint8Array;
  /** [image][epoch]: p(true class), NaN where not presented. */
  pTrue: Float32Array;
}
/** Images one `analyses.exampleSeries` call may ask for. */
export const MAX_EXAMPLE_SERIES = 200;

// ---------------------------------------------------------------------------------------------
// What each filter responds to, snapshot by snapshot (issue "Filters"; src-main/core/analysis/filters.ts)

/** The layers whose units are shown: conv1's and conv2's filters (a unit: one channel), and the class units (fc2's logits). */
export const FILTER_LAYERS = ['conv1', 'conv2', 'logits'] as const;
export type FilterLayer = (typeof FILTER_LAYERS)[number];
/** Top examples per unit (Zeiler & Fergus, ECCV 2014, Fig. 4). */
export const TOP_EXAMPLES = 9;
/** Test sets up to this size are searched whole for the top examples; a bigger one through its probe set of this size. */
export const TOP_EXAMPLE_IMAGES = 10_000;
/**
 * The input pixels one unit of a layer sees (side of its square receptive field): conv1 5 × 5; conv2 14 × 14
 * (5 pool1 cells of 2 conv1 rows each, + 4 for conv1's own kernel: 2·4 + 2 + 4); a class unit the whole image.
 */
export const RECEPTIVE_FIELD: Record<'conv1' | 'conv2', { size: number; stride: number }> = { conv1: { size: 5, stride: 1 }, conv2: { size: 14, stride: 2 } };
/** Feature visualization's optimisation steps by default, and at most. */
export const FEATUREVIS_STEPS = 256;
export const MAX_FEATUREVIS_STEPS = 2048;
/** Mean Jaccard overlap with the final snapshot's top examples at which a layer counts as settled (by default). */
export const TOP9_SETTLED = 0.5;

/** One unit's top examples at one snapshot, best first (ties: lower test index first). */
export interface TopExamples {
  /** Indices into the data set's test split. */
  indices: number[];
  /** The unit's activation on each: the channel's maximum over positions (conv), the logit (class). */
  values: number[];
  /** Where the channel peaks, as the receptive field's top-left corner in input pixels [y, x]; [0, 0] for a class unit. */
  corners: [number, number][];
}

/** One unit's optimised input at one snapshot (Olah et al., Distill 2017). */
export interface FeatureVis {
  /** HWC bytes, on the data set's pixel scale. */
  image: Uint8Array;
  /** The unit's activation on it: the channel's mean after its ReLU (conv), the logit (class). */
  value: number;
  /** The same on the starting noise (one image for every unit and snapshot). */
  start: number;
  /** `value` over the highest channel mean (conv) or logit (class) of any test image searched; null where that is ≤ 0. */
  ratio: number | null;
}

/**
 * One layer's units over training: per snapshot and unit, the top examples and the optimised input (null
 * where not computed yet: they are computed in the background, `analysis.progress` with `kind` says how far).
 */
export interface FilterAnalysis {
  runId: number;
  layer: FilterLayer;
  units: number;
  /** The test images searched: the whole test split (`whole`), or the run's probe set of that size. */
  images: { size: number; whole: boolean };
  /** Side of the receptive field's crop in input pixels (the whole image for a class unit). */
  field: number;
  seqs: number[];
  epochs: number[];
  /** [snapshot][unit]. */
  top: (TopExamples[] | null)[];
  /** [snapshot][unit]. */
  featureVis: (FeatureVis[] | null)[];
  /** [unit][snapshot]: Jaccard overlap of the unit's top-example set with the final snapshot's (null: not computed). */
  jaccard: (number | null)[][];
  threshold: number;
  /** The first seq from which the layer's mean Jaccard with the final snapshot stays ≥ threshold (null: none computed). */
  settledAt: number | null;
  /** The test images the top examples name (each once), for their crops. */
  examples: TestImages;
  steps: number;
}

export interface AnalysisProgress {
  runId: number;
  /** Which analysis advanced: absent for the layers' (CKA and dead units); the rewind map, the linear share, or the filters' `top9` or `featurevis`. */
  kind?: 'rewind' | 'linear' | 'top9' | 'featurevis' | 'examples';
  /** Snapshots analysed of the run's stored ones. */
  done: number;
  total: number;
  /** Probe images (the layers); the rewind map and the linear share use the run's whole test split: 0. */
  probes: number;
}

/** Two runs' layers against each other at one snapshot each: linear CKA, A's layers (rows) × B's (columns), on one probe set. */
export interface CrossSimilarity {
  a: { runId: number; seq: number };
  b: { runId: number; seq: number };
  layers: ProbeLayer[];
  probes: number;
  /** layers × layers, row by row. */
  matrix: Float64Array;
}

/**
 * The layer rewind map (Zhang, Bengio, Singer, JMLR 2022): the test accuracy of the run's final network with
 * one layer's kernel and bias put back to each snapshot, or drawn afresh by its initialiser with another seed
 * (`reinitSeed`, the run's seed + 1). Measured on the run's own test images as training measured its test
 * accuracy, so the final snapshot's column is `finalAccuracy`. Null: not analysed yet.
 */
export interface RewindMap {
  runId: number;
  /** The run is training: the map is measured once it stops (each new snapshot is a new final network). */
  training: boolean;
  seqs: number[];
  epochs: number[];
  layers: LayerName[];
  /** The snapshot that is "final" (the last stored); null for a run without snapshots. */
  finalSeq: number | null;
  /** The run's own test accuracy at the final snapshot, as training stored it. */
  finalAccuracy: number | null;
  /** [layer][snapshot]. */
  accuracy: (number | null)[][];
  /** [layer]. */
  reinit: (number | null)[];
  reinitSeed: number;
  /** 1 / classes. */
  chance: number;
  testImages: number;
  /** Cells analysed (snapshots, plus 1 for the re-initialised column) of `total`. */
  analysed: number;
  total: number;
}

/**
 * The linear share (Nakkiran et al., NeurIPS 2019): per snapshot, the share of the run's test images on which
 * the network's predicted class is the pixel logistic regression's; and that regression, fitted once per data
 * set on at most `trainImages` of its training images. Null: not analysed (or fitted) yet.
 */
export interface LinearShare {
  runId: number;
  seqs: number[];
  epochs: number[];
  share: (number | null)[];
  regression: { accuracy: number; trainImages: number; iterations: number; loss: number } | null;
  testImages: number;
  analysed: number;
  total: number;
}

// ---------------------------------------------------------------------------------------------
// The table

// ---------------------------------------------------------------------------------------------
// Groups (issue 30): one experiment repeated over seeds, its members trained side by side

/** `plain`: one run per seed; `freeze`: the freeze experiment per seed (a trained and a conv-frozen run). */
export const GROUP_KINDS = ['plain', 'freeze'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];
/** Which side of the experiment a member is: a plain group's runs, or the freeze experiment's two arms. */
export type GroupArm = 'plain' | 'trained' | 'frozen';
export const DEFAULT_GROUP_SEEDS = 5;
export const MAX_GROUP_SEEDS = 50;

/** `count` seeds from `first` on: what `--seeds N` and the form's seed count mean. */
export const seedRange = (count: number, first = 1) => Array.from({ length: count }, (_, i) => first + i);

export const groupSeedsSchema = z
  .array(runConfigSchema.shape.seed, 'the seeds, as a list')
  .min(2, 'at least 2 seeds (one seed is a single run)')
  .max(MAX_GROUP_SEEDS, `at most ${MAX_GROUP_SEEDS} seeds`)
  .refine((a) => new Set(a).size === a.length, 'must not repeat a seed');

/**
 * A sample's mean with its two-sided 95 % confidence interval from Student's t distribution (n − 1 degrees of
 * freedom): mean ± t(0.975, n − 1) · sd / √n. `low`/`high` are null for n < 2.
 */
export interface MeanInterval {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); null for n < 2. */
  sd: number | null;
  low: number | null;
  high: number | null;
}

/** A paired t-test of the per-seed differences (trained − frozen): H0 mean difference 0, two-sided. */
export interface PairedTest {
  n: number;
  t: number | null;
  df: number;
  /** Two-sided p-value; null where it is undefined (n < 2, or every difference the same). */
  p: number | null;
}

export interface GroupMember {
  runId: number;
  seed: number;
  arm: GroupArm;
  status: RunStatus;
  epochsDone: number;
  /** Test accuracy after the last configured epoch; null until the run gets there. */
  finalAccuracy: number | null;
  /** Test accuracy at epoch 0, 1, … (null where not evaluated yet). */
  perEpoch: (number | null)[];
  /**
   * Per layer, the run page's change curve at each whole epoch 0, 1, …: ‖W_e − W_prev‖ / ‖W_prev‖ since the
   * previous stored snapshot (null at epoch 0 and where not stored yet).
   */
  change: Record<LayerName, (number | null)[]>;
}

export interface GroupArmSummary {
  arm: GroupArm;
  final: MeanInterval | null;
  /** One per epoch 0 … epochs: over the members that have reached it. */
  perEpoch: (MeanInterval | null)[];
  /** Per layer, the members' change curve (`GroupMember.change`) at each epoch: mean and 95 % t interval. */
  change: Record<LayerName, (MeanInterval | null)[]>;
}

/** The freeze experiment's gap, trained − frozen, paired by seed over the seeds whose two runs both finished. */
export interface FreezeGap {
  gap: MeanInterval;
  test: PairedTest;
  /** Whether the 95 % interval excludes 0 (equivalently, p < 0.05). */
  distinguishable: boolean;
}

export interface GroupSummary {
  id: number;
  name: string;
  kind: GroupKind;
  seeds: number[];
  datasetName: string;
  epochs: number;
  /** Its members' status taken together: running while any trains, else the worst way one ended. */
  status: RunStatus;
  createdAt: string;
  /** How its members last trained side by side, e.g. "2 at once, wasm with 1 thread each (2 cores)". */
  plan: string | null;
  members: GroupMember[];
  arms: GroupArmSummary[];
  gap: FreezeGap | null;
}

/** One method: its input schema, and its output as a phantom type. */
interface Method<I extends z.ZodType, O> {
  input: I;
  /** Never set: carries the output type. */
  output?: O;
  /** Only the desktop app can do it (native dialogs, saving files); the browser does it its own way. */
  desktopOnly?: true;
}
const method = <O>() => <I extends z.ZodType>(input: I, desktopOnly?: true): Method<I, O> =>
  desktopOnly ? { input, desktopOnly } : { input };

const none = z.object({}).strict();
const seq = z.number().int().min(0).max(1_000_000);
const seqList = z.array(seq).max(100_000);
const filterIndex = z.number().int().min(0).max(100_000);
const runRef = z.object({ id }).strict();
const exportGifInput = z
  .object({
    suggestedName: text(200),
    bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= 512 * 1024 * 1024, 'larger than 512 MiB'),
  })
  .strict();

/**
 * A probe set's size (absent: DEFAULT_PROBES, or the whole test split when it is smaller); one above the
 * run's test split is refused by the service, which knows its size.
 */
const probeCount = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1 test image')
  .max(MAX_PROBES, `must be at most ${MAX_PROBES} test images`);

/** Distinct test-set indices, at most MAX_PINS. */
const testIndices = z
  .array(z.number().int().min(0).max(10_000_000))
  .max(MAX_PINS)
  .refine((a) => new Set(a).size === a.length, 'must not repeat an index');

export const contract = {
  'app.info': method<AppInfo>()(none),
  /** What would train a run with these settings on that data set's images, and why. */
  'app.backend': method<BackendInfo>()(
    z
      .object({
        backend: z.enum(BACKEND_CHOICES).default('auto'),
        batchSize: runConfigSchema.shape.batchSize,
        datasetId: id,
        /** Measure `auto` again instead of reusing the kept measurement. */
        remeasure: z.boolean().default(false),
      })
      .strict(),
  ),

  'datasets.list': method<DatasetInfo[]>()(none),
  /**
   * Reads and checks a data set without adding it. An image folder is prepared (decoded and resized
   * into its tensor file, reported by `datasets.progress`) as `images` says; adding it later is instant.
   */
  'datasets.inspect': method<DatasetDescription>()(z.object({ path: fsPath, images: imageOptionsSchema.optional() }).strict()),
  'datasets.add': method<DatasetInfo>()(
    z.object({ path: fsPath, name: nameSchema.optional(), images: imageOptionsSchema.optional() }).strict(),
  ),
  'datasets.samples': method<DatasetSamples>()(
    z.object({ id, perClass: z.number().int().min(1).max(64).default(8) }).strict(),
  ),
  'datasets.remove': method<void>()(z.object({ id }).strict()),
  /** Points a data set whose files moved at their new place, once their checksum shows they are the same files. */
  'datasets.locate': method<DatasetInfo>()(z.object({ id, path: fsPath }).strict()),

  'runs.list': method<RunSummary[]>()(none),
  'runs.get': method<RunDetail>()(runRef),
  'runs.start': method<RunSummary>()(
    z.object({ datasetId: id, name: nameSchema.optional(), config: runConfigSchema }).strict(),
  ),
  /** The study's experiment: the same seed and settings twice, once with conv1+conv2 frozen. */
  'runs.freezeExperiment': method<{ trained: RunSummary; frozen: RunSummary }>()(
    z.object({ datasetId: id, config: runConfigSchema }).strict(),
  ),
  /** The noisy-labels experiment (issue 26): the same seed and settings twice, the second with `share` of its training labels flipped. */
  'runs.noisyLabelsExperiment': method<{ clean: RunSummary; noisy: RunSummary }>()(
    z.object({ datasetId: id, config: runConfigSchema, share: z.number().gt(0, 'must be above 0').max(0.9, 'must be at most 0.9') }).strict(),
  ),
  'runs.stop': method<RunSummary>()(runRef),
  'runs.resume': method<RunSummary>()(runRef),
  'runs.rename': method<RunSummary>()(z.object({ id, name: nameSchema }).strict()),
  'runs.remove': method<void>()(runRef),

  'weights.get': method<TensorValue>()(z.object({ runId: id, tensor: z.enum(TENSOR_NAMES), seq }).strict()),
  /** One tensor at every stored snapshot, or at the seqs listed (each must exist), in seq order. */
  'weights.series': method<TensorSeries>()(z.object({ runId: id, tensor: z.enum(TENSOR_NAMES), seqs: seqList.optional() }).strict()),
  /** One tensor's statistics at every stored snapshot (a few numbers each, whatever the size of the tensor). */
  'weights.stats': method<TensorStats>()(z.object({ runId: id, tensor: z.enum(TENSOR_NAMES) }).strict()),
  /**
   * max |a_i − b_i| per filter over pairs of snapshots (run a's seqs[i] against run b's seqs[i], b's
   * filters optionally reordered as the compare view matched them): the fixed scale of a difference
   * whose reference the stored statistics do not hold ("− epoch", run A − run B). Worked out on the
   * main side, one snapshot at a time.
   */
  'weights.diffScale': method<{ filterMaxAbs: Float32Array }>()(
    z
      .object({
        tensor: z.enum(TENSOR_NAMES),
        a: z.object({ runId: id, seqs: seqList.min(1) }).strict(),
        b: z.object({ runId: id, seqs: seqList.min(1) }).strict(),
        reorderB: z
          .object({
            order: z.array(filterIndex).max(100_000),
            signs: z.array(z.union([z.literal(1), z.literal(-1)])).max(100_000),
            inputs: z.array(filterIndex).max(100_000).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((x) => x.a.seqs.length === x.b.seqs.length, { message: 'needs one seq of b for each seq of a', path: ['b', 'seqs'] }),
  ),
  'metrics.get': method<SnapshotInfo[]>()(z.object({ runId: id }).strict()),

  // What the filters do (activation views). `inputs` are test-set indices; without them, the run's pins.
  'activations.pins': method<PinnedInputs>()(z.object({ runId: id }).strict()),
  /** Replaces the run's pinned inputs; null goes back to the default set. */
  'activations.setPins': method<PinnedInputs>()(z.object({ runId: id, indices: testIndices.nullable() }).strict()),
  'activations.maps': method<ActivationMaps>()(
    z.object({ runId: id, seq, inputs: testIndices.min(1).optional(), diff: z.union([z.enum(['prev', 'init']), seq]).optional() }).strict(),
  ),
  'activations.classes': method<ClassLearning>()(z.object({ runId: id }).strict()),
  'activations.mistakes': method<Mistakes>()(
    z.object({ runId: id, seq, limit: z.number().int().min(1).max(1000).default(100) }).strict(),
  ),

  // Analyses (one probe set per size per run; computed in the background, stored once, read here).
  /** The heat strip: every layer's CKA to the final snapshot, "settled at", dead units; schedules what is not analysed yet. */
  'analyses.layers': method<LayerAnalysis>()(
    z.object({ runId: id, probes: probeCount.optional(), threshold: z.number().min(0).max(1).default(0.9) }).strict(),
  ),
  /** One layer's snapshot × snapshot CKA matrix (the row the strip's click opens). */
  'analyses.similarity': method<SimilarityMatrix>()(z.object({ runId: id, layer: z.enum(PROBE_LAYERS), probes: probeCount.optional() }).strict()),
  /** Every layer of run A's snapshot against every layer of run B's (two runs of one data set: the same probe images). */
  'analyses.cross': method<CrossSimilarity>()(
    z.object({ a: z.object({ runId: id, seq }).strict(), b: z.object({ runId: id, seq }).strict(), probes: probeCount.optional() }).strict(),
  ),
  /** The layer rewind map; schedules what is not analysed yet. */
  'analyses.rewind': method<RewindMap>()(z.object({ runId: id }).strict()),
  /** The linear share per snapshot and the regression's own accuracy; schedules what is not analysed (or fitted) yet. */
  'analyses.linear': method<LinearShare>()(z.object({ runId: id }).strict()),

  // Examples (issue 26): the ledger recorded while training, per training image.
  /** Every training image's forgetting events, confidence and variability as of snapshot `seq` (absent: the last). */
  'analyses.examples': method<ExampleTable>()(z.object({ runId: id, seq: seq.optional(), source: z.enum(EXAMPLE_SOURCES).optional() }).strict()),
  /**
   * "Compute it now": a ledger from the stored snapshots (a forward pass of the training set each, in the
   * background; `analysis.progress` with kind `examples`), for a run stored without one or beside its
   * recorded one. Answers at once with how far it is.
   */
  'analyses.computeExamples': method<AnalysisProgress>()(z.object({ runId: id }).strict()),
  /** Training images by index, each with its record at every epoch (of `source`'s ledger, chosen as `analyses.examples` chooses). */
  'analyses.exampleSeries': method<ExampleSeries>()(
    z
      .object({
        runId: id,
        source: z.enum(EXAMPLE_SOURCES).optional(),
        indices: z
          .array(z.number().int().min(0).max(10_000_000))
          .min(1)
          .max(MAX_EXAMPLE_SERIES, `at most ${MAX_EXAMPLE_SERIES} images at a time`)
          .refine((a) => new Set(a).size === a.length, 'must not repeat an index'),
      })
      .strict(),
  ),

  // What each filter responds to (top examples, feature visualization), per snapshot.
  /** One layer's units at every snapshot; schedules what is not computed yet (`what` picks the kinds). */
  'analyses.filters': method<FilterAnalysis>()(
    z
      .object({
        runId: id,
        layer: z.enum(FILTER_LAYERS),
        what: z.array(z.enum(['top9', 'featurevis'])).min(1).max(2).default(['top9', 'featurevis']),
        steps: z.number().int('must be a whole number').min(1, 'must be at least 1').max(MAX_FEATUREVIS_STEPS, `must be at most ${MAX_FEATUREVIS_STEPS}`).default(FEATUREVIS_STEPS),
        threshold: z.number().min(0).max(1).default(TOP9_SETTLED),
      })
      .strict(),
  ),

  // Groups (issue 30): stop, resume and remove act on every member.
  'groups.list': method<GroupSummary[]>()(none),
  'groups.get': method<GroupSummary>()(z.object({ id }).strict()),
  'groups.start': method<GroupSummary>()(
    z
      .object({
        datasetId: id,
        name: nameSchema.optional(),
        kind: z.enum(GROUP_KINDS, `the kind is one of ${GROUP_KINDS.join(', ')}`).default('plain'),
        seeds: groupSeedsSchema,
        /** Every member's settings; its `seed` is replaced by each of `seeds` (and `freeze`, in a freeze group, by each arm's). */
        config: runConfigSchema,
      })
      .strict(),
  ),
  'groups.stop': method<GroupSummary>()(z.object({ id }).strict()),
  'groups.resume': method<GroupSummary>()(z.object({ id }).strict()),
  'groups.remove': method<void>()(z.object({ id }).strict()),

  /** Desktop: asks where to save (native dialog) and writes the file. The browser downloads instead. */
  'files.saveGif': method<{ path: string } | null>()(exportGifInput, true),
  /** Desktop: native dialog to pick a data set folder or archive. */
  'files.chooseDataset': method<{ path: string } | null>()(z.object({ archive: z.boolean().default(false) }).strict(), true),
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
/** One group's methods, by prefix: `MethodsOf<'runs'>` is 'runs.list' | 'runs.get' | …, so a handler group follows the contract. */
export type MethodsOf<Group extends string> = Extract<MethodName, `${Group}.${string}`>;
export type Input<M extends MethodName> = z.input<Contract[M]['input']>;
export type ParsedInput<M extends MethodName> = z.output<Contract[M]['input']>;
export type Output<M extends MethodName> = Exclude<Contract[M]['output'], undefined>;

/** What the main side implements: one handler per method, taking validated input. */
export type Handlers = { [M in MethodName]: (input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

/** What the renderer calls, over IPC or HTTP. */
export interface ApiClient {
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Events (main → renderer)

/** One event: its payload as a phantom type, as the methods carry their output. */
const event = <P>(): { payload?: P } => ({});

/** Every event the main side sends, by name (`Events` below is its payload table). */
export const events = {
  'run.progress': event<TrainingProgress>(),
  /** A run's status, name or snapshots changed, or it was added or removed. */
  'run.changed': event<{ runId: number }>(),
  'datasets.changed': event<Record<string, never>>(),
  'datasets.progress': event<DatasetProgress>(),
  /** A run's analyses advanced: one more snapshot stored (done === total: all of them). */
  'analysis.progress': event<AnalysisProgress>(),
  /** Desktop menu items and shortcuts that the page carries out. */
  'menu.command': event<{ command: MenuCommand }>(),
  /**
   * Desktop: what the main side has to tell the person in the window (a database that could not be opened,
   * a page that crashed and was reloaded); one that happens while the page loads arrives once it has loaded.
   */
  'app.notice': event<AppNotice>(),
} as const;
export type Events = { [E in keyof typeof events]: Exclude<(typeof events)[E]['payload'], undefined> };
export type EventName = keyof Events;
/** How the main side sends an event (to the page, over IPC or SSE). */
export type EmitEvent = <E extends EventName>(event: E, payload: Events[E]) => void;
export interface AppNotice {
  /** 'error': something asked for did not happen; 'warning': something went wrong and was recovered from. */
  level: 'error' | 'warning';
  message: string;
}
export const MENU_COMMANDS = ['new-run', 'open-dataset', 'export-gif', 'compare', 'about'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

// ---------------------------------------------------------------------------------------------
// Errors as data

export type ErrorCode = 'bad-input' | 'not-found' | 'conflict' | 'unavailable' | 'failed';

export interface ApiErrorData {
  code: ErrorCode;
  message: string;
  /** The input field at fault, as a dotted path, when there is one. */
  field?: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  toData(): ApiErrorData {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}

/** Validates a method's raw input; throws an `ApiError('bad-input')` naming the field. */
export function parseInput<M extends MethodName>(method: M, raw: unknown): ParsedInput<M> {
  const result = contract[method].input.safeParse(raw ?? {});
  if (result.success) return result.data as ParsedInput<M>;
  const issue = result.error.issues[0]!;
  // An unknown key is named as the field itself (config.epoch), not as the object that holds it.
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = path.map(String).join('.');
  const message = `${method}: ${field ? `${field}: ` : ''}${issue.message}`;
  throw new ApiError('bad-input', message, field || undefined);
}

/**
 * Validates and runs one call, turning every failure into data. The single entry used by IPC, HTTP
 * and tests, so all three behave the same.
 */
export async function dispatch(handlers: Handlers, method: unknown, raw: unknown): Promise<ApiResult<unknown>> {
  try {
    if (!isMethodName(method)) throw new ApiError('not-found', `unknown method ${JSON.stringify(method)}`);
    const input = parseInput(method, raw);
    const handler = handlers[method] as (input: unknown) => unknown;
    return { ok: true, value: await handler(input) };
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
}

export function toErrorData(err: unknown): ApiErrorData {
  if (err instanceof ApiError) return err.toData();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'failed', message };
}
