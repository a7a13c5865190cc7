/**
 * Linear CKA (Kornblith et al., ICML 2019) between snapshots, and dead units, from each layer's outputs
 * on a probe set, in the process where tfjs runs (the forward server).
 *
 * CKA(K, L) = ⟨HKH, HLH⟩_F / (‖HKH‖_F ‖HLH‖_F) with K = XXᵀ the Gram matrix of the n probe images'
 * activations X [n, p] and H the centring matrix. HKH is computed as Xc Xcᵀ, the Gram of the activations
 * centred per feature (the same matrix, without the cancellation of centring a Gram of large ReLU
 * outputs): one n × n × p matrix product per layer and snapshot, the heavy part, done by tfjs. The inner
 * products between snapshots are then n² multiply-adds each, summed in float64 in plain JavaScript (a
 * float32 sum over a million terms would lose the 1e-5 the analyses promise).
 *
 * Memory, bounded: of each centred Gram only the diagonal and the upper triangle are kept (symmetric:
 * n(n + 1)/2 float32, 2 MB at n = 1,000, 12 MB for a snapshot's six layers), in a cache of GRAM_BUDGET
 * bytes (384 MiB: 33 snapshots at 1,000 probes). Grams are the cheaper choice for every layer here:
 * feature-space cross products XaᵀXb would cost n·p² per pair (fc1: 250 M) against n²/2, and a conv
 * layer's features outnumber the probes. A run with more snapshots than the cache holds keeps its first
 * ones and recomputes the rest when asked (the same numbers, more slowly); what is kept for other runs
 * and probe sets goes first, least recently used first.
 */
import * as tf from '@tensorflow/tfjs';
import { DEAD_LAYERS, PROBE_LAYERS, type DeadLayer, type ProbeLayer } from '../../../src-preload/api.ts';
import type { CrossQuery, ForwardCross, ForwardLayers, LayerQuery, SnapshotWeights } from '../protocol.ts';

const GRAM_BUDGET = 384 * 1024 * 1024;

/** The units of each ReLU layer: the channels of a conv layer's NHWC output (its filters), fc1's neurons. */
const UNITS: Record<DeadLayer, number> = { conv1: 20, conv2: 50, fc1: 500 };

/** A symmetric n × n matrix as its diagonal (n values), then its upper triangle row by row. */
export interface PackedGram {
  n: number;
  values: Float32Array;
  /** ⟨K, K⟩_F, the squared norm. */
  selfDot: number;
}

/** What the analyses keep of one snapshot: each layer's centred Gram (PROBE_LAYERS order) and the dead share per ReLU layer. */
export interface SnapshotLayers {
  grams: PackedGram[];
  dead: Float64Array;
}

/** The centred Gram Xc Xcᵀ of activations x [n, p], packed. */
export function centredGram(x: tf.Tensor2D): PackedGram {
  const n = x.shape[0];
  const full = tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, 0, true));
    return tf.matMul(centred, centred, false, true);
  });
  const k = full.dataSync() as Float32Array;
  full.dispose();
  const values = new Float32Array((n * (n + 1)) / 2);
  let at = n;
  for (let i = 0; i < n; i++) {
    values[i] = k[i * n + i]!;
    values.set(k.subarray(i * n + i + 1, (i + 1) * n), at);
    at += n - i - 1;
  }
  const gram: PackedGram = { n, values, selfDot: 0 };
  gram.selfDot = frobenius(gram, gram);
  return gram;
}

/** ⟨A, B⟩_F of two packed symmetric matrices: the diagonal once, the upper triangle twice; in float64. */
export function frobenius(a: PackedGram, b: PackedGram): number {
  const [x, y] = [a.values, b.values];
  let diagonal = 0;
  for (let i = 0; i < a.n; i++) diagonal += x[i]! * y[i]!;
  let upper = 0;
  for (let i = a.n; i < x.length; i++) upper += x[i]! * y[i]!;
  return diagonal + 2 * upper;
}

/** Linear CKA of two centred Grams; NaN when either layer is constant over the probes (a zero Gram). */
export function cka(a: PackedGram, b: PackedGram): number {
  const denominator = Math.sqrt(a.selfDot * b.selfDot);
  return denominator > 0 ? frobenius(a, b) / denominator : Number.NaN;
}

/** The share of each ReLU layer's units that are 0 on every image: from outputs [n, features], NHWC flattened. */
export function deadShares(outputs: Record<ProbeLayer, tf.Tensor2D>): Float64Array {
  return Float64Array.from(DEAD_LAYERS, (layer) => {
    const peak = tf.tidy(() => tf.max(tf.reshape(outputs[layer], [-1, UNITS[layer]]), 0));
    const dead = (peak.dataSync() as Float32Array).filter((v) => v <= 0).length;
    peak.dispose();
    return dead / UNITS[layer];
  });
}

/** Each layer's Gram and the dead units of one snapshot, from its layer outputs on the probes. */
export function snapshotLayers(outputs: Record<ProbeLayer, tf.Tensor2D>): SnapshotLayers {
  return { grams: PROBE_LAYERS.map((layer) => centredGram(outputs[layer])), dead: deadShares(outputs) };
}

const bytesOf = (s: SnapshotLayers) => s.grams.reduce((n, g) => n + g.values.byteLength, 0);

/** The snapshots measured so far, by probe set and seq, within GRAM_BUDGET (see the top of this file). */
export class LayerCache {
  private readonly kept = new Map<string, { probeKey: string; value: SnapshotLayers }>();
  private bytes = 0;

  constructor(private readonly budget = GRAM_BUDGET) {}

  /**
   * Answers a query, measuring with `measure` what is not kept (the query's own snapshot from its weights,
   * the others from theirs); when an `against` snapshot is neither kept nor sent, only names what is missing.
   */
  answer(query: LayerQuery, weights: SnapshotWeights, measure: (weights: SnapshotWeights) => SnapshotLayers): ForwardLayers {
    const key = (seq: number) => `${query.probeKey}\0${seq}`;
    const missing = query.against.filter((a) => a.seq !== query.seq && !a.weights && !this.kept.has(key(a.seq))).map((a) => a.seq);
    if (missing.length > 0) return { missing };
    const own = this.get(query.probeKey, query.seq, weights, measure);
    const cka = new Float64Array(PROBE_LAYERS.length * query.against.length);
    query.against.forEach((a, k) => {
      const other = a.seq === query.seq ? own : this.get(query.probeKey, a.seq, a.weights, measure);
      PROBE_LAYERS.forEach((_, l) => (cka[l * query.against.length + k] = ckaOf(own, other, l)));
    });
    return { cka, dead: own.dead };
  }

  /** Every layer of one snapshot against every layer of another (of another run, on the same probe images). */
  cross(query: CrossQuery, weights: SnapshotWeights, measure: (weights: SnapshotWeights) => SnapshotLayers): ForwardCross {
    const a = this.get(query.a.probeKey, query.a.seq, weights, measure);
    const b = this.get(query.b.probeKey, query.b.seq, query.b.weights, measure);
    const n = PROBE_LAYERS.length;
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = cka(a.grams[i]!, b.grams[j]!);
    return { cka: out };
  }

  /** A snapshot's measures: kept (now the most recently used), or measured from its weights and kept. */
  private get(probeKey: string, seq: number, weights: SnapshotWeights | undefined, measure: (weights: SnapshotWeights) => SnapshotLayers): SnapshotLayers {
    const key = `${probeKey}\0${seq}`;
    const found = this.kept.get(key);
    if (found) {
      // Map order is insertion order: moved to the end, it is the most recently used.
      this.kept.delete(key);
      this.kept.set(key, found);
      return found.value;
    }
    const value = measure(weights!);
    this.keep(probeKey, key, value);
    return value;
  }

  private keep(probeKey: string, key: string, value: SnapshotLayers): void {
    const bytes = bytesOf(value);
    for (const [oldKey, entry] of this.kept) {
      if (this.bytes + bytes <= this.budget) break;
      if (entry.probeKey === probeKey) continue; // this run's own are what its next questions need
      this.kept.delete(oldKey);
      this.bytes -= bytesOf(entry.value);
    }
    if (this.bytes + bytes > this.budget) return;
    this.kept.set(key, { probeKey, value });
    this.bytes += bytes;
  }
}

const ckaOf = (a: SnapshotLayers, b: SnapshotLayers, layer: number) => cka(a.grams[layer]!, b.grams[layer]!);
