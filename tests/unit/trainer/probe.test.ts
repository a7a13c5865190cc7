/**
 * `auto`'s choice: the rules on made-up timings (never a software adapter, the 1.3× margin, a GPU that
 * computes wrong results), and the real probe on this machine reusing or redoing a kept measurement.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInfo, type Started } from '../../../src-main/trainer/backend-summary.ts';
import {
  agrees,
  choose,
  GPU_MARGIN,
  probeAuto,
  reusable,
  type Burst,
  type Candidate,
  type Geometry,
  type PassedOver,
  type ProbeRecord,
} from '../../../src-main/trainer/probe.ts';

const burst = (imagesPerSecond: number, lastLoss = 1.2): Burst => ({ imagesPerSecond, firstLoss: 2.3, lastLoss });
const wasm = (ips: number): Candidate => ({ name: 'wasm', gpu: false, label: 'wasm, 2 threads', software: false, burst: burst(ips) });
const webgpu = (ips: number, over: Partial<Candidate> = {}): Candidate => ({
  name: 'webgpu',
  gpu: true,
  label: 'WebGPU · NVIDIA GeForce RTX 4070 (Vulkan)',
  software: false,
  burst: burst(ips),
  ...over,
});
const noCuda: PassedOver = { name: 'tensorflow-gpu', short: 'CUDA 11.2 runtime not found', reason: '@tensorflow/tfjs-node-gpu: CUDA 11.2 runtime not found (libcudart.so.11.0)' };
const noNative: PassedOver = { name: 'tensorflow', short: 'tfjs-node not installed', reason: '@tensorflow/tfjs-node: not installed' };

describe('choose', () => {
  it('takes a GPU that is clearly faster, and says by how much', () => {
    const decision = choose([wasm(1600), webgpu(6560)], [noCuda]);
    expect(decision.chosen.name).toBe('webgpu');
    expect(decision.why).toBe(' · 4.1× CPU');
    expect(decision.notes[0]).toBe('measured: wasm, 2 threads 1,600 img/s, WebGPU · NVIDIA GeForce RTX 4070 (Vulkan) 6,560 img/s');
    expect(decision.notes).toContain(noCuda.reason);
  });

  it(`keeps the CPU path when a GPU wins by less than ${GPU_MARGIN}×`, () => {
    const decision = choose([wasm(1600), webgpu(1600 * 1.29)], [noCuda, noNative]);
    expect(decision.chosen.name).toBe('wasm');
    expect(decision.why).toBe(' — CUDA 11.2 runtime not found; WebGPU only 1.3× CPU (needs 1.3×)');
    expect(choose([wasm(1600), webgpu(1600 * 1.3)], []).chosen.name).toBe('webgpu');
  });

  it('never takes a software adapter, however fast it claims to be', () => {
    const decision = choose([wasm(1600), webgpu(50_000, { software: true, label: 'WebGPU · SwiftShader Device (Vulkan, software)' })], [noCuda]);
    expect(decision.chosen.name).toBe('wasm');
    expect(decision.why).toBe(' — CUDA 11.2 runtime not found; WebGPU adapter is software only');
  });

  it('never takes a backend whose losses disagree with wasm, or whose burst failed', () => {
    const wrong = webgpu(16_000, { burst: burst(16_000, 1.5) });
    const decision = choose([wasm(1600), wrong], []);
    expect(decision.chosen.name).toBe('wasm');
    expect(decision.why).toBe(' — WebGPU computes wrong results');
    expect(decision.notes.join('\n')).toMatch(/\(2\.3000 → 1\.5000\) disagree with wasm's \(2\.3000 → 1\.2000\)/);
    const failed = choose([wasm(1600), webgpu(0, { burst: undefined, failed: 'device lost' })], []);
    expect(failed).toMatchObject({ chosen: { name: 'wasm' }, why: ' — WebGPU failed its test burst' });
  });

  it('takes the fastest CPU path without a margin, and the fastest GPU against it', () => {
    const tensorflow: Candidate = { name: 'tensorflow', gpu: false, label: 'TensorFlow', software: false, burst: burst(1700) };
    expect(choose([wasm(1600), tensorflow], []).chosen.name).toBe('tensorflow');
    const cuda: Candidate = { name: 'tensorflow-gpu', gpu: true, label: 'TensorFlow CUDA', software: false, burst: burst(3000) };
    const decision = choose([wasm(1600), tensorflow, webgpu(9000), cuda], []);
    expect(decision).toMatchObject({ chosen: { name: 'webgpu' }, why: ' · 5.3× CPU' });
  });

  it('without measurements (nothing to compare) keeps wasm, and falls to cpu without any CPU path', () => {
    const lone: Candidate = { name: 'wasm', gpu: false, label: 'wasm, 2 threads', software: false };
    expect(choose([lone], [noCuda])).toMatchObject({ chosen: { name: 'wasm' }, why: ' — CUDA 11.2 runtime not found' });
    expect(choose([], [{ name: 'wasm', short: 'wasm did not start', reason: 'wasm: no' }]).chosen.name).toBe('cpu');
  });
});

describe('agrees', () => {
  const ref: Burst = { imagesPerSecond: 1, firstLoss: 2.3005, lastLoss: 2.12 };
  it('accepts float rounding and refuses a different trajectory', () => {
    expect(agrees({ ...ref, lastLoss: 2.12001 }, ref)).toBe(true);
    expect(agrees({ ...ref, lastLoss: 2.15 }, ref)).toBe(false);
    expect(agrees({ ...ref, firstLoss: 2.35 }, ref)).toBe(false);
    expect(agrees({ ...ref, lastLoss: NaN }, ref)).toBe(false);
  });
});

describe('the summary line', () => {
  const started = (over: Partial<Started>): Started => ({ name: 'wasm', gpu: false, label: 'wasm, 2 threads', detail: 'd', software: false, ...over });
  it('reads "GPU: … · 4.1× CPU" or "CPU: … — why"', () => {
    const gpu = started({ name: 'webgpu', gpu: true, label: 'WebGPU · NVIDIA GeForce RTX 4070 (Vulkan)' });
    expect(backendInfo(gpu, ' · 4.1× CPU').summary).toBe('GPU: WebGPU · NVIDIA GeForce RTX 4070 (Vulkan) · 4.1× CPU');
    const why = choose([wasm(1600), webgpu(1, { software: true })], [noCuda]).why;
    expect(backendInfo(started({}), why)).toEqual({
      name: 'wasm',
      gpu: false,
      summary: 'CPU: wasm, 2 threads — CUDA 11.2 runtime not found; WebGPU adapter is software only',
      detail: 'd',
    });
  });
});

describe('reusable', () => {
  const geometry: Geometry = { shape: [28, 28, 1], classes: 10, batchSize: 64 };
  const record: ProbeRecord = { fingerprint: 'f', geometry, candidates: [], passedOver: [], measuredAt: '' };
  it('holds only for the same fingerprint and geometry', () => {
    expect(reusable(record, 'f', geometry)).toBe(true);
    expect(reusable(undefined, 'f', geometry)).toBe(false);
    expect(reusable(record, 'another driver', geometry)).toBe(false);
    expect(reusable(record, 'f', { ...geometry, batchSize: 256 })).toBe(false);
    expect(reusable(record, 'f', { ...geometry, shape: [32, 32, 3] })).toBe(false);
  });
});

describe('probeAuto on this machine', () => {
  const geometry: Geometry = { shape: [28, 28, 1], classes: 10, batchSize: 32 };

  it('measures once, reuses the record while it holds, and measures again when asked or when it no longer does', async () => {
    const first = await probeAuto({ geometry });
    expect(first.measured).toBe(true);
    expect(first.info.summary).toMatch(/^(CPU|GPU): /);
    expect(tf.getBackend()).toBe(first.info.name === 'tensorflow-gpu' ? 'tensorflow' : first.info.name);
    expect(first.record.fingerprint).toContain('wasm: tfjs-backend-wasm');
    expect(first.record.geometry).toEqual(geometry);

    const again = await probeAuto({ geometry, cached: first.record });
    expect(again).toMatchObject({ measured: false, info: first.info });
    expect(again.record).toBe(first.record);

    expect((await probeAuto({ geometry, cached: first.record, remeasure: true })).measured).toBe(true);
    expect((await probeAuto({ geometry, cached: { ...first.record, fingerprint: 'a machine with another driver' } })).measured).toBe(true);
  });
});
