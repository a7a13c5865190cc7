/**
 * Conv2DBackpropFilter (missing in stock wasm), the cheaper (by a cost model) of
 *  - 'sparse': the SIMD kernel, which skips the zeros of dy (most of it, behind a max pool and a ReLU);
 *  - 'conv': a forward Conv2D (XNNPACK) with batch and channels swapped:
 *
 *   dW[kh,kw,c,oc] = sum_{b,oh,ow} x[b, oh*sh+kh-pt, ow*sw+kw-pl, c] dy[b,oh,ow,oc]
 *                  = Conv2D(x^T:[C,H,W,B], dy^T:[OH,OW,B,OC], dilation (sh,sw), same pads)[c,kh,kw,oc]
 *
 * giving [C,KH',KW',OC], cropped to [C,KH,KW,OC] and transposed to [KH,KW,C,OC].
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs';
import { costs } from './costs.ts';
import { conv, convInfo, free, isNHWC, slice, transpose, type Info, type KernelArgs } from './ops.ts';
import { ptr, simdKernels } from './simd.ts';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

export type BackpropFilterMethod = 'auto' | 'sparse' | 'conv';

export function makeConv2DBackpropFilter(method: BackpropFilterMethod): tf.KernelFunc {
  return (args: KernelArgs): Info => {
    const backend = args.backend as BackendWasm;
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    const attrs = args.attrs!;
    if (!isNHWC(attrs.dataFormat) || x.dtype !== 'float32') {
      throw new Error('Conv2DBackpropFilter (wasm): only NHWC float32 is supported');
    }
    const info = convInfo(x.shape, attrs.filterShape as number[], attrs);
    const chosen = method === 'auto' ? cheaperMethod(backend, dy, info) : method;
    return chosen === 'sparse' ? viaSparse(backend, x, dy, info) : viaSwappedConv(backend, x, dy, info);
  };
}

function cheaperMethod(backend: BackendWasm, dy: Info, info: Conv2DInfo): 'sparse' | 'conv' {
  const { batchSize: B, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, inChannels: C, outChannels: OC } = info;
  return costs.sparse(backend, dy, info) < costs.xnnpackConv(B * OH * OW * KH * KW * C * OC, OC) ? 'sparse' : 'conv';
}

function viaSparse(backend: BackendWasm, x: Info, dy: Info, info: Conv2DInfo): Info {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: OC,
    filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const simd = simdKernels(backend);
  const dWt = backend.makeOutput([OC, KH, KW, C], 'float32');
  const out = backend.makeOutput([KH, KW, C, OC], 'float32');
  simd.run('convBackpropFilter', [ptr(backend, x), ptr(backend, dy), ptr(backend, dWt), B, H, W, C, OH, OW, OC, KH, KW, sh, sw,
    info.padInfo.top, info.padInfo.left], 0, OC);
  simd.transpose2d(ptr(backend, dWt), ptr(backend, out), OC, KH * KW * C, 0, OC);
  free(backend, dWt);
  return out;
}

function viaSwappedConv(backend: BackendWasm, x: Info, dy: Info, info: Conv2DInfo): Info {
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, inChannels: C, outChannels: OC } = info;
  const [, H, W] = x.shape;
  const [, OH, OW] = dy.shape;
  const { top, bottom, left, right } = info.padInfo;
  // The swapped conv's output can be larger than the filter (trailing rows no stride reaches).
  const outH = H + top + bottom - (OH - 1) * sh;
  const outW = W + left + right - (OW - 1) * sw;
  if (outH < KH || outW < KW) throw new Error('Conv2DBackpropFilter (wasm): unsupported geometry');
  const xT = transpose(backend, x, [3, 1, 2, 0]); // [C,H,W,B]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH,OW,B,OC]
  let r = conv(backend, xT, dyT, [top, bottom, left, right], [sh, sw]); // [C,outH,outW,OC]
  free(backend, xT, dyT);
  if (outH !== KH || outW !== KW) {
    const cropped = slice(backend, r, [0, 0, 0, 0], [C, KH, KW, OC]);
    free(backend, r);
    r = cropped;
  }
  const out = transpose(backend, r, [1, 2, 0, 3]); // [KH,KW,C,OC]
  free(backend, r);
  return out;
}
