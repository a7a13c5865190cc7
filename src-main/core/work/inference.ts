/**
 * The forward passes behind the activation views and the analyses, asked of a trainer process (the only place tfjs runs),
 * started with the same spawner as training and kept while it is used: starting one costs seconds
 * (tfjs and its backend), a forward pass of a snapshot milliseconds. It answers one request at a time;
 * it is killed after a minute without work, and a new one starts with the next request. If it dies,
 * the requests it held fail with what its stderr said last.
 */
import { TENSOR_NAMES, type TensorName } from '../../../src-preload/api.ts';
import type {
  ForwardActivations,
  ForwardCross,
  ForwardLayers,
  ForwardLedger,
  ForwardLinearFit,
  ForwardMaps,
  ForwardPass,
  ForwardPredictions,
  ForwardRequest,
  ForwardResult,
  ForwardRewind,
  CrossQuery,
  FilterUnits,
  LayerQuery,
  LinearFitQuery,
  RewindQuery,
  TrainerProcess,
  TrainerSpawner,
} from '../../trainer/protocol.ts';
import type { Db } from '../store/db.ts';
import { readTensor } from '../store/snapshots.ts';
import { WorkQueue } from './queue.ts';

export type ForwardInput = Omit<ForwardPass, 'type' | 'id'>;

/** What a user of the forward passes needs: the stored weights, the queue to wait in, the process. */
export interface ForwardContext {
  db: Db;
  work: WorkQueue;
  inference: Inference;
}

/** The forward passes of a core (or of one CLI command): a queue and the process; `inference.close()` ends it. */
export function forwardContext(db: Db, spawn: TrainerSpawner): ForwardContext {
  return { db, work: new WorkQueue(), inference: new Inference(() => spawn) };
}

/** A snapshot's weights as the forward pass takes them. */
export function weightsAt(db: Db, runId: number, seq: number): Partial<Record<TensorName, Float32Array>> {
  return Object.fromEntries(TENSOR_NAMES.map((name) => [name, readTensor(db, runId, name, seq)?.data]));
}

/** Omit over each member of a union (the plain one would merge them). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const IDLE_MS = 60_000;
const STDERR_TAIL = 2000;

interface Pending {
  resolve(result: ForwardResult): void;
  reject(err: Error): void;
}

/** One started process and the requests it holds. */
interface Worker {
  process: TrainerProcess;
  pending: Map<number, Pending>;
  stderrTail: string;
}

export class Inference {
  private worker: Worker | undefined;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly spawn: () => TrainerSpawner,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** Every layer's output for each image. */
  maps(input: ForwardInput): Promise<ForwardMaps> {
    return this.request({ ...input, output: 'maps' }) as Promise<ForwardMaps>;
  }

  /** The predicted class and its probability for each image. */
  predictions(input: ForwardInput): Promise<ForwardPredictions> {
    return this.request({ ...input, output: 'predictions' }) as Promise<ForwardPredictions>;
  }

  /** Each image right or wrong and its label's probability (a computed example ledger, on the training split). */
  ledger(input: ForwardInput): Promise<ForwardLedger> {
    return this.request({ ...input, output: 'ledger' }) as Promise<ForwardLedger>;
  }

  /** Every compared layer's output for each image (the analyses' probe activations). */
  activations(input: ForwardInput): Promise<ForwardActivations> {
    return this.request({ ...input, output: 'activations' }) as Promise<ForwardActivations>;
  }

  /** The analyses' measures of one snapshot on a probe set (trainer/analysis/layers.ts). */
  layers(input: ForwardInput, layers: LayerQuery): Promise<ForwardLayers> {
    return this.request({ ...input, output: 'layers', layers }) as Promise<ForwardLayers>;
  }

  /** Every layer of one run's snapshot against every layer of another's, on one probe set (trainer/analysis/layers.ts). */
  cross(input: ForwardInput, cross: CrossQuery): Promise<ForwardCross> {
    return this.request({ ...input, output: 'cross', cross }) as Promise<ForwardCross>;
  }

  /** The test accuracy of the network `input.weights` with one layer swapped, per variant (trainer/analysis/rewind.ts). */
  rewind(input: ForwardInput, rewind: RewindQuery): Promise<ForwardRewind> {
    return this.request({ ...input, output: 'rewind', rewind }) as Promise<ForwardRewind>;
  }

  /** A logistic regression on the pixels of `input.split` (its weights are not used: send none). */
  linearFit(input: ForwardInput, fit: LinearFitQuery): Promise<ForwardLinearFit> {
    return this.request({ ...input, output: 'linear-fit', fit }) as Promise<ForwardLinearFit>;
  }

  /** Each filter's and class unit's top examples in the split (trainer/analysis/filters.ts). */
  topExamples(input: ForwardInput): Promise<FilterUnits> {
    return this.request({ ...input, output: 'top9' }) as Promise<FilterUnits>;
  }

  /** Each filter's and class unit's optimised input; the split is not used. */
  featureVis(input: ForwardInput, options: { steps: number; seed: number }): Promise<FilterUnits> {
    return this.request({ ...input, output: 'featurevis', ...options }) as Promise<FilterUnits>;
  }

  /** Ends the process (the next request starts another); requests it held fail. */
  close(): void {
    clearTimeout(this.idleTimer);
    this.worker?.process.kill();
    this.worker = undefined;
  }

  private request(request: DistributiveOmit<ForwardRequest, 'type' | 'id'>): Promise<ForwardResult> {
    clearTimeout(this.idleTimer);
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      worker.pending.set(id, { resolve, reject });
      worker.process.postMessage({ type: 'forward', id, ...request });
    });
  }

  private start(): Worker {
    const worker: Worker = { process: this.spawn()(), pending: new Map(), stderrTail: '' };
    const { process: child, pending } = worker;
    child.stderr?.on('data', (chunk: Buffer) => {
      worker.stderrTail = (worker.stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    child.on('message', (message) => {
      if (message.type !== 'forward' && message.type !== 'forward-failed') return;
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (message.type === 'forward') waiting?.resolve(message.result);
      else waiting?.reject(new Error(`forward pass failed: ${message.message}`));
      if (pending.size === 0 && this.worker === worker) this.idleTimer = setTimeout(() => this.close(), this.idleMs).unref();
    });
    child.on('exit', (code, signal) => {
      if (this.worker === worker) this.worker = undefined;
      const tail = worker.stderrTail.trim().split('\n').slice(-3).join(' | ');
      const error = new Error(`the forward-pass process ${signal ? `was killed (${signal})` : `exited with code ${code}`}${tail ? `: ${tail}` : ''}`);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
    });
    return worker;
  }
}
