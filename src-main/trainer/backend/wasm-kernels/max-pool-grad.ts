/**
 * MaxPoolGrad: dy added at the first maximum of each window (the cpu backend's tie rule: row-major
 * scan, strictly greater wins, NaN never wins), by the SIMD kernel, four channels at a time, batch items split across the threads.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernels, type Info, type KernelArgs, type Pad, type Rounding, type Shape4 } from './ops.ts';
import { ptr, simdKernels } from './simd.ts';

export function maxPoolGrad(args: KernelArgs): Info {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as Record<string, unknown>;
  if (input.dtype !== 'float32') return stockKernels().MaxPoolGrad(args) as Info;
  const ci = tf.backend_util.computePool2DInfo(
    input.shape as Shape4, filterSize as [number, number], strides as [number, number], 1, pad as Pad,
    dimRoundingMode as Rounding);
  const out = backend.makeOutput(input.shape, 'float32');
  simdKernels(backend).run('maxPoolGrad', [
    ptr(backend, input), ptr(backend, dy), ptr(backend, out), ci.inHeight, ci.inWidth, ci.inChannels, ci.outHeight,
    ci.outWidth, ci.effectiveFilterHeight, ci.effectiveFilterWidth, ci.strideHeight, ci.strideWidth, ci.padInfo.top,
    ci.padInfo.left], 0, ci.batchSize);
  return out;
}
