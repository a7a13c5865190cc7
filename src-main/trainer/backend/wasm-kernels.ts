/**
 * Fast training kernels for the TensorFlow.js 'wasm' backend (tfjs 4.22), registered over the stock ones.
 *
 * The backend's forward Conv2D and its plain (batch 1, no transpose) BatchMatMul run on XNNPACK and are
 * fast; its gradient kernels are missing (Conv2DBackpropFilter) or scalar C++ loops (Conv2DBackpropInput,
 * BatchMatMul with a transpose, MaxPoolGrad, the bias gradient's Sum), Identity copies, and the forward
 * Conv2D is slow with one to four input channels. The replacements in ./wasm-kernels/, one file each with
 * its formulation explained at its top, express them through the fast kernels or SIMD kernels of our own
 * (./wasm-kernels/assembly/kernels.ts) that run on every thread.
 *
 * They handle NHWC float32 without dilation (what tfjs-layers produces); anything else goes to the stock
 * kernel (Conv2DBackpropFilter, which has none, throws a clear error). Temporaries are freed with
 * backend.disposeData, which also drops the XNNPACK operators the backend caches per weight tensor, so
 * nothing accumulates across steps.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2D, fusedConv2D } from './wasm-kernels/conv2d.ts';
import { batchMatMul } from './wasm-kernels/batch-mat-mul.ts';
import { makeConv2DBackpropFilter, type BackpropFilterMethod } from './wasm-kernels/conv2d-backprop-filter.ts';
import { makeConv2DBackpropInput, type BackpropInputMethod } from './wasm-kernels/conv2d-backprop-input.ts';
import { cast, identity } from './wasm-kernels/identity.ts';
import { maxPoolGrad } from './wasm-kernels/max-pool-grad.ts';
import { BACKEND, stockKernels } from './wasm-kernels/ops.ts';
import { sum } from './wasm-kernels/sum.ts';

export type { BackpropFilterMethod, BackpropInputMethod };

/** Which formulation each convolution gradient uses; 'auto' (the default) picks per call. Tests pin each one. */
export interface WasmKernelOptions {
  backpropFilterMethod?: BackpropFilterMethod;
  backpropInputMethod?: BackpropInputMethod;
}

const REPLACED = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'MaxPoolGrad', 'Sum', 'Identity', 'Cast'] as const;

/** Registers the fast kernels on the 'wasm' backend (again with other options, if called again). */
export function registerWasmTrainingKernels(options: WasmKernelOptions = {}): void {
  stockKernels(); // captured before the first replacement
  const kernels: Record<(typeof REPLACED)[number], tf.KernelFunc> = {
    Conv2D: conv2D,
    FusedConv2D: fusedConv2D,
    Conv2DBackpropFilter: makeConv2DBackpropFilter(options.backpropFilterMethod ?? 'auto'),
    Conv2DBackpropInput: makeConv2DBackpropInput(options.backpropInputMethod ?? 'auto'),
    BatchMatMul: batchMatMul,
    MaxPoolGrad: maxPoolGrad,
    Sum: sum,
    Identity: identity,
    Cast: cast,
  };
  for (const kernelName of REPLACED) {
    if (tf.getKernel(kernelName, BACKEND) != null) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: kernels[kernelName] });
  }
}

/** Puts the stock kernels back (Conv2DBackpropFilter, which stock wasm lacks, is removed): for tests. */
export function restoreStockWasmKernels(): void {
  const stock = stockKernels();
  for (const kernelName of REPLACED) {
    if (tf.getKernel(kernelName, BACKEND) != null) tf.unregisterKernel(kernelName, BACKEND);
    if (kernelName !== 'Conv2DBackpropFilter') {
      tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: stock[kernelName] });
    }
  }
}
