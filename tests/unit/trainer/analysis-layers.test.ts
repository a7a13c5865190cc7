/**
 * Linear CKA as the forward server computes it (trainer/analysis/layers.ts), on the wasm backend: 1 for a
 * representation with itself, unchanged by an orthogonal transform or an isotropic scaling of the features
 * (Kornblith et al.'s invariances), equal to the textbook formula ‖YcᵀXc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F) computed
 * here in float64 from the same numbers; dead units counted per filter; and the cache naming what it lacks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBE_LAYERS } from '../../../src-preload/api.ts';
import { initBackend } from '../../../src-main/trainer/backend/index.ts';
import { centredGram, cka, deadShares, LayerCache, type SnapshotLayers } from '../../../src-main/trainer/analysis/layers.ts';

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: 1 });
});

/** A seeded normal-ish matrix (sums of uniforms), so that every run tests the same numbers. */
function seeded(rows: number, cols: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: rows * cols }, () => next() + next() + next() - 1.5);
}

const ckaOf = (a: tf.Tensor2D, b: tf.Tensor2D) => cka(centredGram(a), centredGram(b));

/** The feature-space formula, in float64 on the host, as an independent check. */
function reference(x: Float32Array, y: Float32Array, n: number, p: number, q: number): number {
  const centre = (m: Float32Array, w: number) => {
    const out = Float64Array.from(m);
    for (let j = 0; j < w; j++) {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += out[i * w + j]!;
      mean /= n;
      for (let i = 0; i < n; i++) out[i * w + j]! -= mean;
    }
    return out;
  };
  const [a, b] = [centre(x, p), centre(y, q)];
  const crossNorm2 = (u: Float64Array, uw: number, v: Float64Array, vw: number) => {
    let sum = 0;
    for (let j = 0; j < uw; j++) {
      for (let k = 0; k < vw; k++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i * uw + j]! * v[i * vw + k]!;
        sum += dot * dot;
      }
    }
    return sum;
  };
  return crossNorm2(b, q, a, p) / Math.sqrt(crossNorm2(a, p, a, p) * crossNorm2(b, q, b, q));
}

describe('linear CKA', () => {
  const n = 60;
  const p = 12;

  it('is 1 for a representation with itself, and equals the feature-space formula', () => {
    const xs = seeded(n, p, 1);
    const ys = seeded(n, 7, 2).map((v, i) => v + 0.5 * xs[Math.floor(i / 7) * p + (i % 7)]!);
    const [x, y] = [tf.tensor2d(xs, [n, p]), tf.tensor2d(ys, [n, 7])];
    expect(ckaOf(x, x)).toBeCloseTo(1, 12);
    const expected = reference(xs, ys, n, p, 7);
    expect(expected).toBeGreaterThan(0.1);
    expect(expected).toBeLessThan(0.9);
    expect(Math.abs(ckaOf(x, y) - expected)).toBeLessThan(1e-6);
    tf.dispose([x, y]);
  });

  it('is unchanged by an orthogonal transform and an isotropic scaling of the features, and by a shift', () => {
    const x = tf.tensor2d(seeded(n, p, 3), [n, p]);
    const y = tf.tensor2d(seeded(n, 9, 4), [n, 9]).add(x.slice([0, 0], [n, 9]).mul(0.7)) as tf.Tensor2D;
    const [q] = tf.linalg.qr(tf.tensor2d(seeded(p, p, 5), [p, p]));
    const rotated = tf.matMul(x, q as tf.Tensor2D) as tf.Tensor2D;
    const base = ckaOf(x, y);
    expect(Math.abs(ckaOf(rotated, y) - base)).toBeLessThan(1e-5);
    expect(Math.abs(ckaOf(x.mul(37.5) as tf.Tensor2D, y) - base)).toBeLessThan(1e-5);
    expect(Math.abs(ckaOf(x.add(4) as tf.Tensor2D, y) - base)).toBeLessThan(1e-5);
    // Not a property of everything: an anisotropic scaling changes it.
    const stretched = x.mul(tf.linspace(0.1, 10, p)) as tf.Tensor2D;
    expect(Math.abs(ckaOf(stretched, y) - base)).toBeGreaterThan(1e-3);
    tf.dispose([x, y, q!, rotated]);
  });

  it('is NaN for a layer that is constant over the probes (nothing to compare)', () => {
    const x = tf.tensor2d(seeded(n, p, 6), [n, p]);
    const constant = tf.ones([n, p]) as tf.Tensor2D;
    expect(ckaOf(constant, x)).toBeNaN();
    tf.dispose([x, constant]);
  });
});

describe('dead units', () => {
  it('are the filters whose map is 0 at every position of every image, and the fc1 neurons that never fire', () => {
    const images = 3;
    const conv1 = new Float32Array(images * 4 * 20).fill(1);
    for (let i = 0; i < conv1.length; i += 20) for (const dead of [0, 5]) conv1[i + dead] = 0;
    conv1[20 + 5] = 0.25; // filter 5 fires once, at one place: alive
    const outputs = Object.fromEntries(PROBE_LAYERS.map((layer) => [layer, tf.zeros([images, 4]) as tf.Tensor2D])) as Record<(typeof PROBE_LAYERS)[number], tf.Tensor2D>;
    outputs.conv1 = tf.tensor2d(conv1, [images, 80]);
    outputs.conv2 = tf.ones([images, 50]);
    const fc1 = new Float32Array(images * 500).fill(2);
    for (let i = 0; i < images; i++) fc1.fill(0, i * 500, i * 500 + 125);
    outputs.fc1 = tf.tensor2d(fc1, [images, 500]);
    expect(Array.from(deadShares(outputs))).toEqual([1 / 20, 0, 0.25]);
    tf.dispose(Object.values(outputs));
  });
});

describe('the layer cache', () => {
  const measured = (seq: number): SnapshotLayers => {
    const x = tf.tensor2d(seeded(20, 5, seq + 10), [20, 5]);
    const gram = centredGram(x);
    x.dispose();
    return { grams: PROBE_LAYERS.map(() => gram), dead: new Float64Array([seq, 0, 0]) };
  };
  const weightsFor = (seq: number) => ({ 'conv1/bias': new Float32Array([seq]) });
  const measure = (w: { 'conv1/bias'?: Float32Array }) => measured(w['conv1/bias']![0]!);

  it('names the snapshots it neither holds nor was sent, and answers once they are sent', () => {
    const cache = new LayerCache();
    const query = { probeKey: 'run 1', seq: 2, against: [{ seq: 0 }, { seq: 1 }, { seq: 2 }] };
    expect(cache.answer(query, weightsFor(2), measure)).toEqual({ missing: [0, 1] });
    const sent = { ...query, against: [{ seq: 0, weights: weightsFor(0) }, { seq: 1, weights: weightsFor(1) }, { seq: 2 }] };
    const answer = cache.answer(sent, weightsFor(2), measure);
    if ('missing' in answer) throw new Error('still missing');
    expect(answer.cka[2]).toBeCloseTo(1, 12);
    expect(answer.cka[0]).toBeLessThan(1);
    expect(Array.from(answer.dead)).toEqual([2, 0, 0]);
    // Kept now: asked again without weights, it needs none, and another probe set shares nothing with it.
    expect('missing' in cache.answer(query, weightsFor(2), measure)).toBe(false);
    expect(cache.answer({ ...query, probeKey: 'run 2' }, weightsFor(2), measure)).toEqual({ missing: [0, 1] });
  });

  it('stays within its budget, giving up another probe set’s snapshots first and keeping its own first ones', () => {
    const bytes = PROBE_LAYERS.length * measured(0).grams[0]!.values.byteLength;
    const cache = new LayerCache(3 * bytes);
    const ask = (probeKey: string, seq: number) => cache.answer({ probeKey, seq, against: [{ seq }] }, weightsFor(seq), measure);
    ask('other', 0);
    for (const seq of [0, 1, 2, 3]) ask('mine', seq);
    const lacks = (probeKey: string, seqs: number[]) => cache.answer({ probeKey, seq: 9, against: seqs.map((seq) => ({ seq })) }, weightsFor(9), measure);
    expect(lacks('mine', [0, 1, 2, 3])).toEqual({ missing: [3] });
    expect(lacks('other', [0])).toEqual({ missing: [0] });
  });
});
