/**
 * The cost model that picks a formulation for each convolution gradient call: milliseconds estimated
 * from its multiply-adds and rates measured on a 2-core x86-64 (Node 20, wasm SIMD). Only their order
 * matters. XNNPACK's kernels use every thread; so does the SIMD kernels' pool.
 */
import type * as tf from '@tensorflow/tfjs';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Info } from './ops.ts';
import { ptr, simdKernels } from './simd.ts';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** Multiply-adds per millisecond and thread. */
const XNNPACK_CONV = 17.7e6;
const XNNPACK_GEMM = 18e6;
const SPARSE = 6e6;
/** One JavaScript overlap-add, in milliseconds. */
const JS_ADD_MS = 1.4e-6;

const threads = () => getThreadsCount();

export const costs = {
  /** The SIMD kernels: one multiply-add per non-zero dy and filter tap. */
  sparse(backend: BackendWasm, dy: Info, info: Conv2DInfo): number {
    const nonZero = simdKernels(backend).countNonZero(ptr(backend, dy), dy.shape.reduce((a, b) => a * b, 1));
    return (nonZero * info.filterHeight * info.filterWidth * info.inChannels) / (SPARSE * threads());
  },
  /** An XNNPACK Conv2D of `macs` multiply-adds, slower when it has fewer than 8 output channels. */
  xnnpackConv(macs: number, outChannels: number): number {
    return macs / (XNNPACK_CONV * Math.min(1, outChannels / 8) * threads());
  },
  /** An XNNPACK GEMM dy x W^T, then the overlap-add in JavaScript. */
  col2im(info: Conv2DInfo): number {
    const { batchSize: B, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, inChannels: C, outChannels: OC } = info;
    return (B * OH * OW * KH * KW * C * OC) / (XNNPACK_GEMM * threads()) + B * OH * OW * KH * KW * C * JS_ADD_MS;
  },
};
