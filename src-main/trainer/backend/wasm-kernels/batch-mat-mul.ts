/**
 * BatchMatMul (batch 1) as explicit Transpose kernels + the XNNPACK path. Stock wasm uses XNNPACK only
 * for batch 1 without transposes, otherwise a scalar triple loop; and XNNPACK packs its second operand
 * (as tfjs asks, transposing it) into a new operator whenever that tensor is new: a layer's weights at
 * every training step. So C = op(A) op(B) is computed directly or as C^T = op(B)^T op(A)^T, whichever
 * moves fewer floats, counting a packed one as PACK moved ones (measured: packing fc1's 800×500 weights
 * takes about six times as long as transposing them).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, reshape, run, stockKernels, transpose, type Info, type KernelArgs } from './ops.ts';

const PACK = 6;

export function batchMatMul(args: KernelArgs): Info {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if (batchA !== 1 || batchB !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return stockKernels().BatchMatMul(args) as Info;
  }
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  const a2 = reshape(backend, a, [a0, a1]);
  const b2 = reshape(backend, b, [b0, b1]);
  const M = transposeA ? a1 : a0;
  const N = transposeB ? b0 : b1;
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), M, N];
  const mm = (x: Info, y: Info) => run(backend, 'BatchMatMul', { a: x, b: y }, { transposeA: false, transposeB: false });
  // Floats moved by "transpose the operands, pack op(B)" versus "pack op(A)^T, then transpose C^T".
  const costDirect = (transposeA ? a0 * a1 : 0) + (transposeB ? b0 * b1 : 0) + PACK * b0 * b1;
  const costSwap = (transposeA ? 0 : a0 * a1) + (transposeB ? 0 : b0 * b1) + M * N + PACK * a0 * a1;
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
