/**
 * Sum over every axis but the last (a bias gradient: tfjs reduces dy over batch and space) by the SIMD
 * kernel, the channels split across the threads. Stock wasm transposes the input first, then sums.
 * Any other reduction goes to the stock kernel.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernels, type Info, type KernelArgs } from './ops.ts';
import { ptr, simdKernels } from './simd.ts';

export function sum(args: KernelArgs): Info {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: Info };
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  if (x.dtype !== 'float32' || rank < 2 || axes.length !== rank - 1 || axes.some((a, i) => a !== i)) {
    return stockKernels().Sum(args) as Info;
  }
  const C = x.shape[rank - 1]!;
  const rows = x.shape.slice(0, -1).reduce((p, q) => p * q, 1);
  const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, -1).map(() => 1), C] : [C], 'float32');
  simdKernels(backend).run('sumRows', [ptr(backend, x), ptr(backend, out), rows, C], 0, C);
  return out;
}
