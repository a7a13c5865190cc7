/** Shared by the backend tests: seeded data, error measure, and the kernel runner. */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** Deterministic uniform numbers in [-1, 1), the same on every backend. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
}

export interface DataKind {
  /** Rounded to -3..3: many exact ties. */
  ints?: boolean;
  /** Clamped at 0, like a ReLU output: many zeros. */
  relu?: boolean;
  /** Sprinkled with -0, NaN, ±Infinity, and a first window of -Infinity only. */
  special?: boolean;
}

export function randArray(shape: number[], seed: number, kind: DataKind = {}): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seed);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let x = r();
    if (kind.ints) x = Math.round(x * 3);
    if (kind.relu) x = Math.max(x, 0);
    v[i] = x;
  }
  if (kind.special) {
    const vals = [-0, NaN, Infinity, -Infinity, -Infinity, -0, -0];
    for (let i = 0; i < n; i += 5) v[i] = vals[(i / 5) % vals.length];
    for (let i = 0; i < Math.min(n, 24); i++) v[i] = -Infinity;
  }
  return v;
}

/**
 * max |got - ref| / max |ref| over finite references; NaN where ref is NaN must be NaN in got, equal
 * infinities count as equal, and any other non-finite difference gives Infinity.
 */
export function relError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) return Infinity;
  let maxRef = 0;
  let maxDiff = 0;
  for (let i = 0; i < ref.length; i++) if (Number.isFinite(ref[i])) maxRef = Math.max(maxRef, Math.abs(ref[i]));
  for (let i = 0; i < ref.length; i++) {
    if (ref[i] === got[i] || (Number.isNaN(ref[i]) && Number.isNaN(got[i]))) continue;
    const d = Math.abs(got[i] - ref[i]);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

export interface InputSpec {
  data: Float32Array;
  shape: number[];
}

/** Runs one kernel on the current backend with fresh tensors; returns its output values and shape. */
export function runKernel(name: string, inputs: Record<string, InputSpec>, attrs: tf.NamedAttrMap) {
  const ts: tf.NamedTensorMap = {};
  for (const [key, spec] of Object.entries(inputs)) ts[key] = tf.tensor(spec.data, spec.shape, 'float32');
  const out = tf.engine().runKernel(name, ts, attrs) as tf.Tensor;
  const res = { data: out.dataSync().slice(), shape: out.shape };
  tf.dispose([out, ...Object.values(ts)]);
  return res;
}

/** The same kernel call on 'cpu' (reference) and on 'wasm'. */
export async function onBothBackends(name: string, inputs: Record<string, InputSpec>, attrs: tf.NamedAttrMap) {
  await tf.setBackend('cpu');
  const cpu = runKernel(name, inputs, attrs);
  await tf.setBackend('wasm');
  const wasm = runKernel(name, inputs, attrs);
  return { cpu, wasm };
}

/** Fixed real images: the first `count` Fashion-MNIST training images as [0, 1] floats, one-hot labels. */
export function fashionBatch(count: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const dir = '/usr/share/datasets/fashion-mnist';
  const images = gunzipSync(readFileSync(`${dir}/train-images-idx3-ubyte.gz`)).subarray(16, 16 + count * 784);
  const labels = gunzipSync(readFileSync(`${dir}/train-labels-idx1-ubyte.gz`)).subarray(8, 8 + count);
  return {
    x: tf.tidy(() => tf.div(tf.tensor4d(Float32Array.from(images), [count, 28, 28, 1]), 255)),
    y: tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), 10) as tf.Tensor2D,
  };
}
