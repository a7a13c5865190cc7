/**
 * Conv2DBackpropFilter (missing in stock wasm) as a forward Conv2D with batch and channels swapped:
 *
 *   dW[kh,kw,c,oc] = sum_{b,oh,ow} x[b, oh*sh+kh-pt, ow*sw+kw-pl, c] dy[b,oh,ow,oc]
 *                  = Conv2D(x^T:[C,H,W,B], dy^T:[OH,OW,B,OC], dilation (sh,sw), same pads)[c,kh,kw,oc]
 *
 * giving [C,KH',KW',OC], cropped to [C,KH,KW,OC] and transposed to [KH,KW,C,OC].
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv, convInfo, free, isNHWC, slice, transpose, type Info, type KernelArgs } from './ops.ts';

export function conv2DBackpropFilter(args: KernelArgs): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs!;
  if (!isNHWC(attrs.dataFormat) || x.dtype !== 'float32') {
    throw new Error('Conv2DBackpropFilter (wasm): only NHWC float32 is supported');
  }
  const info = convInfo(x.shape, attrs.filterShape as number[], attrs);
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
