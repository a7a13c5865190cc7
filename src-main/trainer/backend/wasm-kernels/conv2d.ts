/**
 * Conv2D and FusedConv2D (bias, ReLU) with few input channels — a first layer, on images — by the SIMD
 * kernel, batch items split across the threads. XNNPACK's indirect GEMM reads one pointer per input
 * pixel and filter tap, which costs more than the pixel itself when it has one to four channels.
 * Anything else (more channels, dilation, another activation) goes to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { isNHWC, stockKernels, type Info, type KernelArgs, type Pad, type Rounding, type Shape4 } from './ops.ts';
import { ptr, simdKernels } from './simd.ts';

/** Up to this many input channels the SIMD kernel beats XNNPACK (measured with 1 and 3). */
const FEW_CHANNELS = 4;

export function conv2D(args: KernelArgs): Info {
  return firstLayerConv(args, undefined, false) ?? (stockKernels().Conv2D(args) as Info);
}

export function fusedConv2D(args: KernelArgs): Info {
  const { bias, preluActivationWeights } = args.inputs as { bias?: Info; preluActivationWeights?: Info };
  const { activation } = args.attrs as { activation: string };
  const supported = preluActivationWeights == null && (activation === 'linear' || activation === 'relu') && (bias == null || bias.shape.length === 1);
  return (supported ? firstLayerConv(args, bias, activation === 'relu') : undefined) ?? (stockKernels().FusedConv2D(args) as Info);
}

/** The SIMD kernel's result, or undefined where it does not apply. */
function firstLayerConv(args: KernelArgs, bias: Info | undefined, relu: boolean): Info | undefined {
  const backend = args.backend as BackendWasm;
  const { x, filter } = args.inputs as { x: Info; filter: Info };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as Record<string, unknown>;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || !isNHWC(dataFormat) || x.shape[3]! > FEW_CHANNELS) return undefined;
  if (dilations != null && !tf.backend_util.tupleValuesAreOne(dilations as number | [number, number])) return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, filter.shape as Shape4, strides as [number, number], 1, pad as Pad, dimRoundingMode as Rounding);
  const out = backend.makeOutput(info.outShape, 'float32');
  simdKernels(backend).run('convForward', [
    ptr(backend, x), ptr(backend, filter), bias ? ptr(backend, bias) : 0, bias ? 1 : 0, relu ? 1 : 0, ptr(backend, out),
    info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight,
    info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left], 0, info.batchSize);
  return out;
}
