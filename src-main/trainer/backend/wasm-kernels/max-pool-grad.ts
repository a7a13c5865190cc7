/**
 * MaxPoolGrad as one JS pass over the wasm heap that adds dy at the first maximum of each window (the
 * cpu backend's tie rule: row-major scan, strictly greater wins, NaN never wins).
 *
 * Floats are compared as order-preserving int32 keys (bits for x >= 0, -(bits & 0x7fffffff) for x < 0,
 * so -0 == +0) and the running max/argmax updated with bit masks: no unpredictable branches.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernels, type Info, type KernelArgs, type Pad, type Rounding, type Shape4 } from './ops.ts';

const NEG_INF_KEY = -0x7f800000;

export function maxPoolGrad(args: KernelArgs): Info {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: Info; input: Info };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as Record<string, unknown>;
  if (input.dtype !== 'float32') return stockKernels().MaxPoolGrad(args) as Info;
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
