/**
 * Fast training kernels for the TensorFlow.js 'wasm' backend (tfjs 4.22).
 *
 * The backend's forward Conv2D and its plain (batch 1, no transpose) BatchMatMul run on XNNPACK and are
 * fast; its gradient kernels are missing (Conv2DBackpropFilter) or scalar C++ loops (Conv2DBackpropInput,
 * BatchMatMul with a transpose, MaxPoolGrad). These replacements express them through the fast kernels:
 *
 *  - Conv2DBackpropFilter = a forward Conv2D with batch and channels swapped: x as [C,H,W,B] convolved
 *    with dy as a filter [OH,OW,B,OC] (the stride becomes a dilation, same padding) gives [C,KH',KW',OC],
 *    cropped to [C,KH,KW,OC] and transposed to [KH,KW,C,OC].
 *  - Conv2DBackpropInput, the cheaper (by a cost model) of
 *      'conv':   a stride-1 Conv2D of dy (zero-interleaved for strides > 1, padded or cropped) with the
 *                filter rotated 180 degrees and its in/out channels swapped; it also multiplies the
 *                padding and interleaved zeros, so it wins only where those are few next to the work;
 *      'col2im': an XNNPACK GEMM dy[B*OH*OW,OC] x W^T[OC,KH*KW*C], then an overlap-add into dx in JS
 *                (no wasted multiplications; chosen for LeNet, whose conv1 needs no input gradient).
 *  - BatchMatMul with transposes (batch 1) = explicit Transpose kernels + the XNNPACK path; for
 *    transposeB the cheaper of A*B^T and (B*A^T)^T.
 *  - MaxPoolGrad = one JS pass over the wasm heap that adds dy at the first maximum of each window
 *    (the cpu backend's tie rule: row-major scan, strictly greater wins, NaN never wins).
 *
 * They handle NHWC float32 without dilation (what tfjs-layers produces); anything else goes to the stock
 * kernel (Conv2DBackpropFilter, which has none, throws a clear error). Temporaries are freed with
 * backend.disposeData, which also drops the XNNPACK operators the backend caches per weight tensor, so
 * nothing accumulates across steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Info = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;
type Conv2DInfo = tf.backend_util.Conv2DInfo;
type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

const BACKEND = 'wasm';
const REPLACED = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'MaxPoolGrad'] as const;
const USED = ['Conv2D', 'Transpose', 'Reshape', 'Slice', 'PadV2', 'Reverse', 'BatchMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad'] as const;
type UsedKernel = (typeof USED)[number];

/** Which Conv2DBackpropInput formulation to use; 'auto' picks per call. Tests pin each one. */
export type BackpropInputMethod = 'auto' | 'conv' | 'col2im';

export interface WasmKernelOptions {
  backpropInputMethod?: BackpropInputMethod;
}

/** The stock kernels, captured before the first replacement so that re-registering is safe. */
let stock: Record<UsedKernel, tf.KernelFunc> | undefined;

function stockKernels(): Record<UsedKernel, tf.KernelFunc> {
  if (stock == null) {
    const found = {} as Record<UsedKernel, tf.KernelFunc>;
    for (const name of USED) {
      const cfg = tf.getKernel(name, BACKEND);
      if (cfg == null) throw new Error(`tfjs-backend-wasm has no ${name} kernel (its version differs from 4.22?)`);
      found[name] = cfg.kernelFunc;
    }
    stock = found;
  }
  return stock;
}

/** Registers the fast kernels on the 'wasm' backend (again with other options, if called again). */
export function registerWasmTrainingKernels(options: WasmKernelOptions = {}): void {
  const kernels = makeKernels(stockKernels(), options.backpropInputMethod ?? 'auto');
  for (const kernelName of REPLACED) {
    if (tf.getKernel(kernelName, BACKEND) != null) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: kernels[kernelName] });
  }
}

/** Puts the stock kernels back (Conv2DBackpropFilter, which stock wasm lacks, is removed): for tests. */
export function restoreStockWasmKernels(): void {
  const k = stockKernels();
  for (const kernelName of REPLACED) {
    if (tf.getKernel(kernelName, BACKEND) != null) tf.unregisterKernel(kernelName, BACKEND);
    if (kernelName !== 'Conv2DBackpropFilter') {
      tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: k[kernelName] });
    }
  }
}

function makeKernels(k: Record<UsedKernel, tf.KernelFunc>, bpInputMethod: BackpropInputMethod) {
  // ---- small helpers over backend TensorInfos -----------------------------------------------
  const run = (backend: BackendWasm, name: UsedKernel, inputs: Record<string, Info>, attrs: Attrs = {}) =>
    k[name]({ inputs, backend, attrs }) as Info;
  const free = (backend: BackendWasm, ...infos: Info[]) => {
    for (const t of infos) backend.disposeData(t.dataId);
  };
  const transpose = (backend: BackendWasm, x: Info, perm: number[]) => run(backend, 'Transpose', { x }, { perm });
  const reshape = (backend: BackendWasm, x: Info, shape: number[]) => run(backend, 'Reshape', { x }, { shape });
  const slice = (backend: BackendWasm, x: Info, begin: number[], size: number[]) =>
    run(backend, 'Slice', { x }, { begin, size });
  const isNHWC = (dataFormat: unknown) => dataFormat == null || dataFormat === 'NHWC';

  /** Forward conv, stride 1, explicit non-negative padding [top, bottom, left, right]. */
  const conv = (backend: BackendWasm, x: Info, filter: Info, pads: number[], dilations: [number, number]) =>
    run(backend, 'Conv2D', { x, filter }, {
      strides: [1, 1],
      dilations,
      dataFormat: 'NHWC',
      pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]] as unknown as number[],
    });

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

  // ---- Conv2DBackpropFilter ----------------------------------------------------------------
  // dW[kh,kw,c,oc] = sum_{b,oh,ow} x[b, oh*sh+kh-pt, ow*sw+kw-pl, c] dy[b,oh,ow,oc]
  //                = Conv2D(x^T:[C,H,W,B], dy^T:[OH,OW,B,OC], dilation (sh,sw), same pads)[c,kh,kw,oc]
  function conv2DBackpropFilter({ inputs, backend: be, attrs }: Parameters<tf.KernelFunc>[0]): Info {
    const backend = be as BackendWasm;
    const { x, dy } = inputs as { x: Info; dy: Info };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as Record<string, unknown>;
    if (!isNHWC(dataFormat) || x.dtype !== 'float32') {
      throw new Error('Conv2DBackpropFilter (wasm): only NHWC float32 is supported');
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4, filterShape as Shape4, strides as [number, number], 1, pad as Pad,
      dimRoundingMode as Rounding, false, 'channelsLast');
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

  // ---- Conv2DBackpropInput -----------------------------------------------------------------
  // Cost model (2-core x86-64, Node 20, simd wasm): XNNPACK conv ~17.7 GMAC/s, scaled by C/8 when the
  // conv has fewer than 8 output channels; XNNPACK GEMM ~18 GMAC/s; ~1.4 ns per JS overlap-add.
  function conv2DBackpropInput(args: Parameters<tf.KernelFunc>[0]): Info {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as Record<string, unknown>;
    if (!isNHWC(dataFormat) || dy.dtype !== 'float32') return k.Conv2DBackpropInput(args) as Info;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape as Shape4, filter.shape as Shape4, strides as [number, number], 1, pad as Pad,
      dimRoundingMode as Rounding, false, 'channelsLast');
    let method = bpInputMethod;
    if (method === 'auto') {
      const { batchSize: B, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW,
        inChannels: C, outChannels: OC } = info;
      const taps = KH * KW * C * OC;
      const msConv = (B * H * W * taps) / (17.7e6 * Math.min(1, C / 8));
      const msCol2im = (B * OH * OW * taps) / 18e6 + B * OH * OW * KH * KW * C * 1.4e-6;
      method = msCol2im < msConv ? 'col2im' : 'conv';
    }
    return method === 'col2im' ? bpInputCol2im(backend, dy, filter, info) : bpInputConv(backend, dy, filter, info);
  }

  function bpInputConv(backend: BackendWasm, dy: Info, filter: Info, info: Conv2DInfo): Info {
    const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
    const [B, OH, OW, OC] = dy.shape;
    const { top, left } = info.padInfo;
    // 1. zero-interleave dy for strides > 1 (trailing zeros are cropped by the padding below)
    let d = dy;
    let DH = OH;
    let DW = OW;
    if (sh > 1 || sw > 1) {
      const r6 = reshape(backend, dy, [B, OH, 1, OW, 1, OC]);
      const p6 = run(backend, 'PadV2', { x: r6 }, {
        paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]] as unknown as number[],
        constantValue: 0,
      });
      free(backend, r6);
      DH = OH * sh;
      DW = OW * sw;
      d = reshape(backend, p6, [B, DH, DW, OC]);
      free(backend, p6);
    }
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

  function bpInputCol2im(backend: BackendWasm, dy: Info, filter: Info, info: Conv2DInfo): Info {
    const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W,
      inChannels: C } = info;
    const [B, OH, OW, OC] = dy.shape;
    const { top: pt, left: pl } = info.padInfo;
    // cols[B*OH*OW, KH*KW*C] = dy[B*OH*OW, OC] x W[KH*KW*C, OC]^T  (XNNPACK)
    const dy2 = reshape(backend, dy, [B * OH * OW, OC]);
    const w2 = reshape(backend, filter, [KH * KW * C, OC]);
    const wT = transpose(backend, w2, [1, 0]);
    const cols = run(backend, 'BatchMatMul', { a: dy2, b: wT }, { transposeA: false, transposeB: false });
    free(backend, dy2, w2, wT);
    // col2im: dx[b, oh*sh+kh-pt, ow*sw+kw-pl, :] += cols[b,oh,ow,kh,kw,:]
    const out = backend.makeOutput([B, H, W, C], 'float32');
    const cv = backend.typedArrayFromHeap(cols);
    const ov = backend.typedArrayFromHeap(out);
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
    free(backend, cols);
    return out;
  }

  // ---- BatchMatMul -------------------------------------------------------------------------
  // Stock wasm uses XNNPACK only for batch 1 without transposes; otherwise a scalar triple loop.
  function batchMatMul(args: Parameters<tf.KernelFunc>[0]): Info {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return k.BatchMatMul(args) as Info;
    }
    const [a0, a1] = a.shape.slice(-2);
    const [b0, b1] = b.shape.slice(-2);
    const a2 = reshape(backend, a, [a0, a1]);
    const b2 = reshape(backend, b, [b0, b1]);
    const M = transposeA ? a1 : a0;
    const N = transposeB ? b0 : b1;
    const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), M, N];
    const mm = (x: Info, y: Info) => run(backend, 'BatchMatMul', { a: x, b: y }, { transposeA: false, transposeB: false });
    // Floats moved by "transpose the operands" versus "C^T = op(B)^T op(A)^T, then transpose C^T".
    const costDirect = (transposeA ? a0 * a1 : 0) + (transposeB ? 2 * b0 * b1 : 0);
    const costSwap = (transposeA ? 0 : a0 * a1) + (transposeB ? 0 : b0 * b1) + M * N;
    let out: Info;
    const temps: Info[] = [a2, b2];
    if (costDirect <= costSwap) {
      const aa = transposeA ? transpose(backend, a2, [1, 0]) : a2;
      const bb = transposeB ? transpose(backend, b2, [1, 0]) : b2;
      out = mm(aa, bb);
      temps.push(...[aa, bb].filter((t) => t !== a2 && t !== b2));
    } else {
      const bb = transposeB ? b2 : transpose(backend, b2, [1, 0]);
      const aa = transposeA ? a2 : transpose(backend, a2, [1, 0]);
      const cT = mm(bb, aa); // [N, M]
      out = transpose(backend, cT, [1, 0]);
      temps.push(cT, ...[aa, bb].filter((t) => t !== a2 && t !== b2));
    }
    const res = reshape(backend, out, outShape);
    free(backend, out, ...temps);
    return res;
  }

  // ---- MaxPoolGrad -------------------------------------------------------------------------
  // Floats are compared as order-preserving int32 keys (bits for x >= 0, -(bits & 0x7fffffff) for
  // x < 0, so -0 == +0) and the running max/argmax updated with bit masks: no unpredictable branches.
  function maxPoolGrad(args: Parameters<tf.KernelFunc>[0]): Info {
    const backend = args.backend as BackendWasm;
    const { dy, input } = args.inputs as { dy: Info; input: Info };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as Record<string, unknown>;
    if (input.dtype !== 'float32') return k.MaxPoolGrad(args) as Info;
    const ci = tf.backend_util.computePool2DInfo(
      input.shape as Shape4, filterSize as [number, number], strides as [number, number], 1, pad as Pad,
      dimRoundingMode as Rounding);
    const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW,
      strideHeight: sh, strideWidth: sw, effectiveFilterHeight: FH, effectiveFilterWidth: FW } = ci;
    const pt = ci.padInfo.top;
    const pl = ci.padInfo.left;
    const out = backend.makeOutput(input.shape, 'float32');
    const xf = backend.typedArrayFromHeap(input);
    const xi = new Int32Array(xf.buffer, xf.byteOffset, xf.length);
    const gv = backend.typedArrayFromHeap(dy);
    const ov = backend.typedArrayFromHeap(out);
    ov.fill(0);
    const NEG_INF_KEY = -0x7f800000;
    const rowS = W * C;
    const imgS = H * rowS;
    let g = 0; // running index into dy ([B,OH,OW,C], contiguous)
    for (let b = 0; b < B; b++) {
      const base = b * imgS;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = oh * sh - pt;
        const hs = Math.max(h0, 0);
        const he = Math.min(h0 + FH, H);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = ow * sw - pl;
          const ws = Math.max(w0, 0);
          const we = Math.min(w0 + FW, W);
          const p0 = base + hs * rowS + ws * C;
          for (let c = 0; c < C; c++, g++) {
            let best = NEG_INF_KEY;
            let bestIdx = -1;
            for (let h = hs, ph = p0 + c; h < he; h++, ph += rowS) {
              for (let w = ws, p = ph; w < we; w++, p += C) {
                const bits = xi[p];
                const sgn = bits >> 31;
                const mag = bits & 0x7fffffff;
                const key = (mag ^ sgn) - sgn;
                // m = -1 when key > best and x is not NaN, else 0
                const m = -(Number(key > best) & Number(mag <= 0x7f800000));
                best ^= (best ^ key) & m;
                bestIdx ^= (bestIdx ^ p) & m;
              }
            }
            if (bestIdx >= 0) ov[bestIdx] += gv[g];
          }
        }
      }
    }
    return out;
  }

  return {
    Conv2DBackpropFilter: conv2DBackpropFilter,
    Conv2DBackpropInput: conv2DBackpropInput,
    BatchMatMul: batchMatMul,
    MaxPoolGrad: maxPoolGrad,
  } satisfies Record<(typeof REPLACED)[number], tf.KernelFunc>;
}
