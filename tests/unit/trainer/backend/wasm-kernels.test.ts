/**
 * Every kernel registered by wasm-kernels.ts against the tfjs 'cpu' backend, kernel by kernel, on
 * LeNet's shapes and on seeded random shapes, strides, paddings and ties.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../../src-main/trainer/backend/index.ts';
import { registerWasmTrainingKernels, type BackpropFilterMethod, type BackpropInputMethod, type WasmKernelOptions } from '../../../../src-main/trainer/backend/wasm-kernels.ts';
import { onBothBackends, randArray, relError, rng, type DataKind } from './helpers.ts';

const TOL = 1e-4;
type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
type Stride = number | [number, number];

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: 2 }); // the threaded build; lenet-gradients runs the single-threaded one
});

async function expectSameOnCpu(name: string, inputs: Parameters<typeof onBothBackends>[1], attrs: tf.NamedAttrMap) {
  const { cpu, wasm } = await onBothBackends(name, inputs, attrs);
  expect(wasm.shape).toEqual(cpu.shape);
  expect(relError(wasm.data, cpu.data)).toBeLessThanOrEqual(TOL);
}

// ---- Conv2D gradients --------------------------------------------------------------------

interface ConvCase {
  label: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: Stride;
  pad: Pad;
}

const fixedConvCases: ConvCase[] = [
  { label: 'LeNet-28 conv1', x: [32, 28, 28, 1], f: [5, 5, 1, 20], strides: 1, pad: 'valid' },
  { label: 'LeNet-28 conv2', x: [8, 12, 12, 20], f: [5, 5, 20, 50], strides: 1, pad: 'valid' },
  { label: 'LeNet-32 conv1', x: [16, 32, 32, 3], f: [5, 5, 3, 20], strides: 1, pad: 'valid' },
  { label: '4x4 same, asymmetric padding', x: [3, 10, 7, 5], f: [4, 4, 5, 6], strides: 1, pad: 'same' },
  { label: '3x3 stride 2 valid, H-K odd', x: [3, 10, 11, 4], f: [3, 3, 4, 5], strides: 2, pad: 'valid' },
  { label: '3x3 strides [2,3] same', x: [2, 11, 13, 2], f: [3, 3, 2, 3], strides: [2, 3], pad: 'same' },
  { label: 'padding larger than the filter', x: [2, 6, 7, 2], f: [2, 3, 2, 3], strides: 1, pad: [[0, 0], [3, 2], [0, 4], [0, 0]] },
  { label: 'batch 1, 1x1 filter', x: [1, 6, 6, 8], f: [1, 1, 8, 4], strides: 1, pad: 'valid' },
];

/** Seeded random geometries: every combination of stride and padding kind shows up. */
function randomConvCases(count: number, seed: number): ConvCase[] {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(((r() + 1) / 2) * (hi - lo + 1));
  const cases: ConvCase[] = [];
  while (cases.length < count) {
    const kh = int(1, 5);
    const kw = int(1, 5);
    const strides: [number, number] = [int(1, 3), int(1, 3)];
    const kind = cases.length % 3;
    const pad: Pad =
      kind === 0 ? 'valid' : kind === 1 ? 'same' : [[0, 0], [int(0, kh), int(0, kh)], [int(0, kw), int(0, kw)], [0, 0]];
    const x: ConvCase['x'] = [int(1, 4), int(kh, 13), int(kw, 13), int(1, 6)];
    const f: ConvCase['f'] = [kh, kw, x[3], int(1, 8)];
    const padText = typeof pad === 'string' ? pad : `pad ${pad[1]}/${pad[2]}`;
    cases.push({ label: `random ${cases.length}: s${strides} ${padText}`, x, f, strides, pad });
  }
  return cases;
}

const convCases = [...fixedConvCases, ...randomConvCases(24, 7)];

/** Runs `check` with the kernels registered with `options`, then puts the defaults back. */
async function withKernels(options: WasmKernelOptions, check: () => Promise<void>) {
  registerWasmTrainingKernels(options);
  try {
    await check();
  } finally {
    registerWasmTrainingKernels();
  }
}

// dy dense, or mostly zero as behind a max pool and a ReLU (the sparse kernels skip zeros).
describe.each(convCases.flatMap((c, i) => [{ ...c, dyKind: 'dense' }, { ...c, dyKind: i % 2 ? 'pooled' : 'zero' }]))(
  '$label x$x f$f, dy $dyKind',
  ({ x, f, strides, pad, dyKind }) => {
    const seed = x.reduce((a, b) => a * 31 + b, 0) + f.reduce((a, b) => a * 17 + b, 0);
    const dyShape = tf.backend_util.computeConv2DInfo(x, f, strides, 1, pad).outShape;
    const xs = { data: randArray(x, seed), shape: x };
    const fs = { data: randArray(f, seed + 1), shape: f };
    const dyData = randArray(dyShape, seed + 2);
    // 'pooled': one entry in four kept, the others zero; 'zero': all zero.
    if (dyKind !== 'dense') dyData.forEach((_, i) => (dyData[i] = dyKind === 'pooled' && i % 4 === (i >> 7) % 4 ? dyData[i] : 0));
    const dys = { data: dyData, shape: dyShape };

    it('Conv2D matches cpu', async () => {
      await expectSameOnCpu('Conv2D', { x: xs, filter: fs }, { strides, pad, dataFormat: 'NHWC', dilations: 1 });
    });

    it('FusedConv2D with bias and ReLU matches cpu', async () => {
      const bias = { data: randArray([f[3]], seed + 3), shape: [f[3]] };
      const attrs = { strides, pad, dataFormat: 'NHWC', dilations: 1, activation: 'relu' };
      await expectSameOnCpu('FusedConv2D', { x: xs, filter: fs, bias }, attrs);
    });

    it.each<BackpropFilterMethod>(['sparse', 'conv', 'auto'])('Conv2DBackpropFilter [%s] matches cpu', async (method) => {
      await withKernels({ backpropFilterMethod: method }, () =>
        expectSameOnCpu('Conv2DBackpropFilter', { x: xs, dy: dys }, { strides, pad, dataFormat: 'NHWC', filterShape: f }));
    });

    it.each<BackpropInputMethod>(['sparse', 'conv', 'col2im', 'auto'])('Conv2DBackpropInput [%s] matches cpu', async (method) => {
      await withKernels({ backpropInputMethod: method }, () =>
        expectSameOnCpu('Conv2DBackpropInput', { dy: dys, filter: fs }, { strides, pad, dataFormat: 'NHWC', inputShape: x }));
    });
  },
);

// ---- BatchMatMul -------------------------------------------------------------------------

const matMulCases: [number[], number[], boolean, boolean][] = [
  [[64, 800], [500, 800], false, true], // LeNet fc1 dx
  [[64, 800], [64, 500], true, false], // LeNet fc1 dW
  [[64, 500], [10, 500], false, true], // LeNet fc2 dx
  [[64, 500], [64, 10], true, false], // LeNet fc2 dW
  [[37, 19], [23, 37], true, true],
  [[5, 300], [4, 300], false, true], // the (B A^T)^T path
  [[64, 80], [1, 50, 80], false, true], // rank 2 x rank 3, batch 1
  [[64, 800], [800, 500], false, false], // LeNet fc1 forward: the swapped product
  [[13, 17], [17, 11], false, false], // no transpose, direct
  [[3, 13, 17], [3, 11, 17], false, true], // batched: stock path
];
{
  const r = rng(99);
  const int = (lo: number, hi: number) => lo + Math.floor(((r() + 1) / 2) * (hi - lo + 1));
  for (let i = 0; i < 12; i++) {
    const [m, k, n] = [int(1, 70), int(1, 70), int(1, 70)];
    const tA = i % 2 === 0;
    const tB = i % 4 < 2 ? !tA : true;
    matMulCases.push([tA ? [k, m] : [m, k], tB ? [n, k] : [k, n], tA, tB]);
  }
}

describe('BatchMatMul', () => {
  it.each(matMulCases)('a%j b%j transposeA=%s transposeB=%s matches cpu', async (a, b, transposeA, transposeB) => {
    const seed = a.reduce((s, v) => s * 7 + v, 1) + b.reduce((s, v) => s * 5 + v, 2);
    await expectSameOnCpu(
      'BatchMatMul',
      { a: { data: randArray(a, seed), shape: a }, b: { data: randArray(b, seed + 1), shape: b } },
      { transposeA, transposeB },
    );
  });
});

// ---- MaxPoolGrad -------------------------------------------------------------------------

const poolCases: [string, [number, number, number, number], number | [number, number], Stride, 'same' | 'valid', DataKind][] = [
  ['LeNet-28 pool1, ReLU data', [64, 24, 24, 20], 2, 2, 'valid', { relu: true }],
  ['LeNet-28 pool2, ReLU data', [64, 8, 8, 50], 2, 2, 'valid', { relu: true }],
  ['2x2 s2 odd size', [3, 9, 7, 5], 2, 2, 'valid', {}],
  ['3x3 s2 same: overlap and padding', [2, 9, 10, 4], 3, 2, 'same', {}],
  ['3x3 s1 same: heavy overlap', [2, 7, 6, 3], 3, 1, 'same', {}],
  ['3x3 s2 same, integer ties', [2, 9, 9, 4], 3, 2, 'same', { ints: true }],
  ['2x3 s[1,2] valid, integer ties', [2, 8, 9, 3], [2, 3], [1, 2], 'valid', { ints: true }],
  ['2x2 s2 with ±0, NaN, ±Infinity', [2, 8, 8, 3], 2, 2, 'valid', { ints: true, special: true }],
  ['3x3 s2 same with ±0, NaN, ±Infinity', [2, 9, 9, 3], 3, 2, 'same', { ints: true, special: true }],
];

describe('MaxPoolGrad', () => {
  it.each(poolCases)('%s matches cpu', async (_label, x, filterSize, strides, pad, kind) => {
    const seed = x.reduce((s, v) => s * 3 + v, 5);
    const xd = randArray(x, seed, kind);
    const outShape = tf.backend_util.computePool2DInfo(x, filterSize, strides, 1, pad).outShape;
    // The forward result is one of the kernel's inputs: compute it once, on the reference backend.
    await tf.setBackend('cpu');
    const y = tf.maxPool(tf.tensor4d(xd, x), filterSize, strides, pad);
    const yd = y.dataSync() as Float32Array;
    y.dispose();
    await expectSameOnCpu(
      'MaxPoolGrad',
      { dy: { data: randArray(outShape, seed + 1), shape: outShape }, input: { data: xd, shape: x }, output: { data: yd, shape: outShape } },
      { filterSize, strides, pad },
    );
  });
});

// ---- Sum ---------------------------------------------------------------------------------

const sumCases: [string, number[], number | number[], boolean][] = [
  ['LeNet conv1 bias gradient', [64, 24, 24, 20], [0, 1, 2], false],
  ['LeNet fc1 bias gradient', [64, 500], 0, false],
  ['negative axes, kept dims, 3 channels', [5, 7, 3], [-3, -2], true],
  ['unsorted axes, 1 channel', [4, 6, 6, 1], [2, 0, 1], false],
  ['the last axis: stock path', [6, 9], -1, false],
  ['every axis: stock path', [6, 9], [0, 1], false],
];

describe('Sum', () => {
  it.each(sumCases)('%s matches cpu', async (_label, shape, axis, keepDims) => {
    const seed = shape.reduce((s, v) => s * 11 + v, 3);
    await expectSameOnCpu('Sum', { x: { data: randArray(shape, seed), shape } }, { axis, keepDims });
  });
});

// ---- Identity and Cast -------------------------------------------------------------------

describe('Identity and Cast', () => {
  it.each<[string, tf.NamedAttrMap]>([
    ['Identity', {}],
    ['Cast', { dtype: 'float32' }],
  ])('%s shares the data: it outlives its input and is freed with its last user', async (name, attrs) => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const before = backend.numDataIds();
    const x = tf.tensor([1.5, -2, 3]);
    const y = tf.engine().runKernel(name, { x }, attrs) as tf.Tensor;
    expect(backend.numDataIds()).toBe(before + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    y.dispose();
    expect(backend.numDataIds()).toBe(before);
  });

  it('Cast to another dtype converts, as before', async () => {
    await expectSameOnCpu('Cast', { x: { data: Float32Array.from([1.7, -2.2, 0]), shape: [3] } }, { dtype: 'int32' });
  });
});
