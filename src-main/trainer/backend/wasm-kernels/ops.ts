/**
 * The stock wasm kernels the fast ones are built from, and small helpers that call them on backend
 * TensorInfos (no tf.Tensor, no engine bookkeeping: every temporary is freed by its caller).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type Info = tf.TensorInfo;
export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type Shape4 = [number, number, number, number];
export type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
export type Rounding = 'floor' | 'round' | 'ceil' | undefined;

export const BACKEND = 'wasm';
const USED = ['Conv2D', 'FusedConv2D', 'Transpose', 'Reshape', 'Slice', 'PadV2', 'Reverse', 'BatchMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Sum',
  'Identity', 'Cast'] as const;
export type StockKernel = (typeof USED)[number];

/** The stock kernels, captured before the first replacement so that re-registering is safe. */
let stock: Record<StockKernel, tf.KernelFunc> | undefined;

export function stockKernels(): Record<StockKernel, tf.KernelFunc> {
  if (stock == null) {
    const found = {} as Record<StockKernel, tf.KernelFunc>;
    for (const name of USED) {
      const cfg = tf.getKernel(name, BACKEND);
      if (cfg == null) throw new Error(`tfjs-backend-wasm has no ${name} kernel (its version differs from 4.22?)`);
      found[name] = cfg.kernelFunc;
    }
    stock = found;
  }
  return stock;
}

export const run = (backend: BackendWasm, name: StockKernel, inputs: Record<string, Info>, attrs: tf.NamedAttrMap = {}) =>
  stockKernels()[name]({ inputs, backend, attrs }) as Info;

export function free(backend: BackendWasm, ...infos: Info[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

export const transpose = (backend: BackendWasm, x: Info, perm: number[]) => run(backend, 'Transpose', { x }, { perm });
export const reshape = (backend: BackendWasm, x: Info, shape: number[]) => run(backend, 'Reshape', { x }, { shape });
export const slice = (backend: BackendWasm, x: Info, begin: number[], size: number[]) => run(backend, 'Slice', { x }, { begin, size });
export const isNHWC = (dataFormat: unknown) => dataFormat == null || dataFormat === 'NHWC';

/** Forward conv, stride 1, explicit non-negative padding [top, bottom, left, right]. */
export const conv = (backend: BackendWasm, x: Info, filter: Info, pads: number[], dilations: [number, number]) =>
  run(backend, 'Conv2D', { x, filter }, {
    strides: [1, 1],
    dilations,
    dataFormat: 'NHWC',
    pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]] as unknown as number[],
  });

/** The geometry of a conv kernel call, from its attributes (NHWC, no dilation). */
export function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const { strides, pad, dimRoundingMode } = attrs as Record<string, unknown>;
  return tf.backend_util.computeConv2DInfo(
    xShape as Shape4, filterShape as Shape4, strides as [number, number], 1, pad as Pad,
    dimRoundingMode as Rounding, false, 'channelsLast');
}
