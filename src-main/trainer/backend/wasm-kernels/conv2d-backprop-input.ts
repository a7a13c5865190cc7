/**
 * Conv2DBackpropInput, the cheapest (by a cost model, ./costs.ts) of
 *   'sparse': the SIMD kernel, which skips the zeros of dy (most of it, behind a max pool and a ReLU)
 *             and adds each remaining one's filter-weighted patch into dx;
 *   'conv':   a stride-1 Conv2D of dy (zero-interleaved for strides > 1, padded or cropped) with the
 *             filter rotated 180 degrees and its in/out channels swapped; it also multiplies the
 *             padding and interleaved zeros, so it wins only where those are few next to the work;
 *   'col2im': an XNNPACK GEMM dy[B*OH*OW,OC] x W^T[OC,KH*KW*C], then an overlap-add into dx in JS
 *             (no wasted multiplications; chosen for LeNet, whose conv1 needs no input gradient).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { costs } from './costs.ts';
import { conv, convInfo, free, isNHWC, reshape, run, slice, stockKernels, transpose, type Info, type KernelArgs } from './ops.ts';
import { ptr, simdKernels } from './simd.ts';

type Conv2DInfo = tf.backend_util.Conv2DInfo;

/** Which formulation to use; 'auto' picks per call. Tests pin each one. */
export type BackpropInputMethod = 'auto' | 'sparse' | 'conv' | 'col2im';

export function makeConv2DBackpropInput(method: BackpropInputMethod): tf.KernelFunc {
  return (args: KernelArgs): Info => {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const attrs = args.attrs!;
    if (!isNHWC(attrs.dataFormat) || dy.dtype !== 'float32') return stockKernels().Conv2DBackpropInput(args) as Info;
    const info = convInfo(attrs.inputShape as number[], filter.shape, attrs);
    const chosen = method === 'auto' ? cheapestMethod(backend, dy, info) : method;
    if (chosen === 'sparse') return viaSparse(backend, dy, filter, info);
    return chosen === 'col2im' ? viaCol2im(backend, dy, filter, info) : viaConv(backend, dy, filter, info);
  };
}

function cheapestMethod(backend: BackendWasm, dy: Info, info: Conv2DInfo): Exclude<BackpropInputMethod, 'auto'> {
  const { batchSize: B, inHeight: H, inWidth: W, filterHeight: KH, filterWidth: KW, inChannels: C, outChannels: OC } = info;
  const ms = {
    sparse: costs.sparse(backend, dy, info),
    conv: costs.xnnpackConv(B * H * W * KH * KW * C * OC, C),
    col2im: costs.col2im(info),
  };
  return (Object.keys(ms) as (keyof typeof ms)[]).reduce((a, b) => (ms[b] < ms[a] ? b : a));
}

function viaSparse(backend: BackendWasm, dy: Info, filter: Info, info: Conv2DInfo): Info {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: OC,
    filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = info;
  const simd = simdKernels(backend);
  const taps = KH * KW * C;
  const filterT = backend.makeOutput([OC, taps], 'float32');
  const out = backend.makeOutput([B, H, W, C], 'float32');
  simd.transpose2d(ptr(backend, filter), ptr(backend, filterT), taps, OC, 0, taps);
  simd.run('convBackpropInput', [ptr(backend, dy), ptr(backend, filterT), ptr(backend, out), H, W, C, OH, OW, OC, KH, KW, sh, sw,
    info.padInfo.top, info.padInfo.left], 0, B);
  free(backend, filterT);
  return out;
}

function viaConv(backend: BackendWasm, dy: Info, filter: Info, info: Conv2DInfo): Info {
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
  const { top, left } = info.padInfo;
  // 1. zero-interleave dy for strides > 1 (trailing zeros are cropped by the padding below)
  const d = sh > 1 || sw > 1 ? interleaveZeros(backend, dy, sh, sw) : dy;
  const [, DH, DW] = d.shape;
  // 2. the padding that makes a stride-1 'valid' conv give exactly H x W
  const pt = KH - 1 - top;
  const pl = KW - 1 - left;
  const pc = cropNegativePads(backend, d, [pt, H + KH - 1 - pt - DH, pl, W + KW - 1 - pl - DW]);
  // 3. the filter rotated 180 degrees with in/out channels swapped: [KH,KW,OC,C]
  const rev = run(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const wT = transpose(backend, rev, [0, 1, 3, 2]);
  free(backend, rev);
  const out = conv(backend, pc.out, wT, pc.pads, [1, 1]);
  free(backend, wT);
  if (pc.owned) free(backend, pc.out);
  if (d !== dy) free(backend, d);
  return out;
}

/** dy [B,OH,OW,OC] with sh-1 zero rows after each row and sw-1 zero columns after each column. */
function interleaveZeros(backend: BackendWasm, dy: Info, sh: number, sw: number): Info {
  const [B, OH, OW, OC] = dy.shape;
  const r6 = reshape(backend, dy, [B, OH, 1, OW, 1, OC]);
  const p6 = run(backend, 'PadV2', { x: r6 }, {
    paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]] as unknown as number[],
    constantValue: 0,
  });
  free(backend, r6);
  const out = reshape(backend, p6, [B, OH * sh, OW * sw, OC]);
  free(backend, p6);
  return out;
}

/**
 * Crops the spatial dims of an NHWC tensor where a padding is negative. Returns the tensor (owned:
 * whether it must be freed) and the remaining non-negative paddings for the conv.
 */
function cropNegativePads(backend: BackendWasm, x: Info, pads: number[]) {
  const crop = pads.map((v) => Math.max(-v, 0));
  const rest = pads.map((v) => Math.max(v, 0));
  if (crop.every((v) => v === 0)) return { out: x, owned: false, pads: rest };
  const [b, h, w, c] = x.shape;
  const out = slice(backend, x, [0, crop[0], crop[2], 0], [b, h - crop[0] - crop[1], w - crop[2] - crop[3], c]);
  return { out, owned: true, pads: rest };
}

function viaCol2im(backend: BackendWasm, dy: Info, filter: Info, info: Conv2DInfo): Info {
  const { filterHeight: KH, filterWidth: KW, inChannels: C } = info;
  const [B, OH, OW, OC] = dy.shape;
  // cols[B*OH*OW, KH*KW*C] = dy[B*OH*OW, OC] x W[KH*KW*C, OC]^T  (XNNPACK)
  const dy2 = reshape(backend, dy, [B * OH * OW, OC]);
  const w2 = reshape(backend, filter, [KH * KW * C, OC]);
  const wT = transpose(backend, w2, [1, 0]);
  const cols = run(backend, 'BatchMatMul', { a: dy2, b: wT }, { transposeA: false, transposeB: false });
  free(backend, dy2, w2, wT);
  const out = backend.makeOutput([B, info.inHeight, info.inWidth, C], 'float32');
  overlapAdd(backend.typedArrayFromHeap(cols) as Float32Array, backend.typedArrayFromHeap(out) as Float32Array, info);
  free(backend, cols);
  return out;
}

/** col2im: dx[b, oh*sh+kh-pt, ow*sw+kw-pl, :] += cols[b,oh,ow,kh,kw,:] */
function overlapAdd(cv: Float32Array, ov: Float32Array, info: Conv2DInfo): void {
  const { batchSize: B, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight: sh,
    strideWidth: sw, inHeight: H, inWidth: W, inChannels: C } = info;
  const { top: pt, left: pl } = info.padInfo;
  ov.fill(0);
  const rowS = W * C;
  const imgS = H * rowS;
  let q = 0; // running index into cols, read sequentially
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh - pt;
          if (ih < 0 || ih >= H) {
            q += KW * C;
            continue;
          }
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw - pl;
            if (iw >= 0 && iw < W) {
              const o = b * imgS + ih * rowS + iw * C;
              for (let c = 0; c < C; c++) ov[o + c] += cv[q + c];
            }
            q += C;
          }
        }
      }
    }
  }
}
