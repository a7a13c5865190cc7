/**
 * `auto`'s choice: the rules on made-up timings (never a software adapter, the 1.3× margin, a GPU that
 * computes wrong results), across the trainer process and the desktop app's trainer window, and the real
 * probe on this machine reusing or redoing a kept measurement.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { startBackend } from '../../../src-main/trainer/backend/index.ts';
import { backendInfo } from '../../../src-main/trainer/backend-summary.ts';
import type { Burst, BurstGeometry, Candidate, Findings, PassedOver, ProbeRecord, Started } from '../../../src-main/trainer/protocol.ts';
import { acrossHosts, agrees, choose, GPU_MARGIN, hostRecord, reusable } from '../../../src-main/trainer/probe.ts';
import { probeAuto } from '../../../src-main/trainer/probe-process.ts';

const burst = (imagesPerSecond: number, lastLoss = 1.2): Burst => ({ imagesPerSecond, firstLoss: 2.3, lastLoss });
const wasm = (ips: number): Candidate => ({ name: 'wasm', gpu: false, host: 'process', label: 'wasm, 2 threads', detail: 'tfjs-backend-wasm', software: false, burst: burst(ips) });
const webgpu = (ips: number, over: Partial<Candidate> = {}): Candidate => ({
  name: 'webgpu',
  gpu: true,
  host: 'process',
  label: 'WebGPU · NVIDIA GeForce RTX 4070 (Vulkan)',
  detail: 'tfjs-backend-webgpu on Dawn',
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
    const tensorflow: Candidate = { ...wasm(1700), name: 'tensorflow', label: 'TensorFlow' };
    expect(choose([wasm(1600), tensorflow], []).chosen.name).toBe('tensorflow');
    const cuda: Candidate = { ...webgpu(3000), name: 'tensorflow-gpu', label: 'TensorFlow CUDA' };
    const decision = choose([wasm(1600), tensorflow, webgpu(9000), cuda], []);
    expect(decision).toMatchObject({ chosen: { name: 'webgpu' }, why: ' · 5.3× CPU' });
  });

  it('without measurements (nothing to compare) keeps wasm, and falls to cpu without any CPU path', () => {
    const lone: Candidate = { ...wasm(0), burst: undefined };
    expect(choose([lone], [noCuda])).toMatchObject({ chosen: { name: 'wasm' }, why: ' — CUDA 11.2 runtime not found' });
    expect(choose([], [{ name: 'wasm', short: 'wasm did not start', reason: 'wasm: no' }]).chosen.name).toBe('cpu');
  });
});

describe('choosing across the trainer process and the trainer window (desktop app)', () => {
  /** What the desktop app's trainer process finds: Dawn cannot run inside Electron. */
  const electronProcess = (ips: number): Findings => ({
    candidates: [wasm(ips)],
    passedOver: [{ name: 'webgpu', short: "WebGPU does not run in Electron's utility process", reason: "Dawn's Node bindings cannot run inside Electron's processes" }],
  });
  const windowGpu = (ips: number, over: Partial<Candidate> = {}): Findings => ({
    candidates: [webgpu(ips, { host: 'window', label: 'WebGPU · NVIDIA RTX 4070 (Chromium)', detail: "tfjs-backend-webgpu on Chromium's WebGPU", ...over })],
    passedOver: [],
  });
  const decide = (process: Findings, window: Findings) => {
    const { candidates, passedOver } = acrossHosts(process, window);
    return choose(candidates, passedOver);
  };
  const summaryOf = (decision: ReturnType<typeof choose>) => backendInfo({ ...(decision.chosen as Candidate) }, decision.why);

  it(`takes the window's GPU when it beats the process's CPU path by ${GPU_MARGIN}× or more: the window trains it`, () => {
    const decision = decide(electronProcess(1600), windowGpu(6560));
    expect(decision.chosen).toMatchObject({ name: 'webgpu', host: 'window' });
    expect(summaryOf(decision)).toMatchObject({ host: 'window', summary: 'GPU: WebGPU · NVIDIA RTX 4070 (Chromium) · 4.1× CPU' });
    expect(decide(electronProcess(1600), windowGpu(1600 * GPU_MARGIN)).chosen.host).toBe('window');
  });

  it('keeps the CPU path when the window wins by less, and says by how much', () => {
    const decision = decide(electronProcess(1600), windowGpu(1600 * 1.2));
    expect(decision.chosen).toMatchObject({ name: 'wasm', host: 'process' });
    expect(decision.why).toBe(' — WebGPU only 1.2× CPU (needs 1.3×)');
  });

  it("never takes the window's software adapter; the window's reason stands for WebGPU, not the process's", () => {
    const swiftShader = windowGpu(50_000, { software: true, burst: undefined, label: 'WebGPU · SwiftShader Device (Chromium, software)' });
    const decision = decide(electronProcess(1600), swiftShader);
    expect(decision.chosen).toMatchObject({ name: 'wasm', host: 'process' });
    expect(summaryOf(decision).summary).toBe('CPU: wasm, 2 threads — WebGPU adapter is software only');
    expect(decision.notes).toContain('WebGPU · SwiftShader Device (Chromium, software): a software adapter, never chosen by auto');
  });

  it("never takes a window burst whose losses disagree with the process's wasm", () => {
    const decision = decide(electronProcess(1600), windowGpu(16_000, { burst: burst(16_000, 1.5) }));
    expect(decision).toMatchObject({ chosen: { name: 'wasm', host: 'process' }, why: ' — WebGPU computes wrong results' });
  });

  it('chooses the fastest GPU of both hosts, and says each host once when both are software', () => {
    const process: Findings = { candidates: [wasm(1600), webgpu(4000)], passedOver: [] };
    expect(decide(process, windowGpu(9000)).chosen).toMatchObject({ name: 'webgpu', host: 'window' });
    expect(decide(process, windowGpu(3000)).chosen).toMatchObject({ name: 'webgpu', host: 'process' });
    const lavapipe: Findings = { candidates: [wasm(1600), webgpu(1, { software: true, burst: undefined })], passedOver: [] };
    expect(decide(lavapipe, windowGpu(1, { software: true, burst: undefined })).why).toBe(' — WebGPU adapter is software only');
  });

  it("with a window that failed, chooses among the process's own and says why", () => {
    const failed: Findings = { candidates: [], passedOver: [{ name: 'webgpu', short: 'the trainer window failed', reason: 'the hidden trainer window could not probe: it crashed' }] };
    const decision = decide(electronProcess(1600), failed);
    expect(decision).toMatchObject({ chosen: { name: 'wasm' }, why: ' — the trainer window failed' });
    expect(decision.notes).toContain('the hidden trainer window could not probe: it crashed');
  });
});

describe("each host's record", () => {
  // Real bursts on the wasm backend, at a small size; the backends they stand for are made up.
  const tiny: BurstGeometry = { shape: [16, 16, 1], classes: 3, batchSize: 4 };
  const use = () => startBackend('wasm');
  const gpu: Started = { name: 'webgpu', gpu: true, host: 'window', label: 'WebGPU · A GPU (Chromium)', detail: 'a GPU', software: false };
  const cpu: Started = { name: 'wasm', gpu: false, host: 'process', label: 'wasm, 2 threads', detail: 'wasm', software: false };
  const survey = (started: Started[], fingerprint = 'f') => ({ fingerprint, started, passedOver: [] });

  it("the window's: measured once, reused while its fingerprint holds, measured again when not or when asked", async () => {
    const first = await hostRecord({ geometry: tiny }, survey([gpu]), 1, use);
    expect(first.measured).toBe(true);
    expect(first.record.candidates[0]!.burst!.imagesPerSecond).toBeGreaterThan(0);
    const again = await hostRecord({ geometry: tiny, cached: first.record }, survey([gpu]), 1, use);
    expect(again).toEqual({ record: first.record, measured: false });
    expect((await hostRecord({ geometry: tiny, cached: first.record }, survey([gpu], 'Chrome/140'), 1, use)).measured).toBe(true);
    expect((await hostRecord({ geometry: tiny, cached: first.record, remeasure: true }, survey([gpu]), 1, use)).measured).toBe(true);
  });

  it('a software adapter is never measured', async () => {
    const { record } = await hostRecord({ geometry: tiny }, survey([{ ...gpu, software: true }]), 1, use);
    expect(record.candidates[0]!.burst).toBeUndefined();
  });

  it("the process's: a lone CPU path goes unmeasured, until the window measures a GPU beside it", async () => {
    const alone = await hostRecord({ geometry: tiny }, survey([cpu]), 0, use);
    expect(alone.record.candidates[0]!.burst).toBeUndefined();
    expect((await hostRecord({ geometry: tiny, cached: alone.record }, survey([cpu]), 0, use)).measured).toBe(false);
    const beside = await hostRecord({ geometry: tiny, cached: alone.record }, survey([cpu]), 1, use);
    expect(beside.measured).toBe(true);
    expect(beside.record.candidates[0]!.burst).toBeDefined();
    expect((await hostRecord({ geometry: tiny, cached: beside.record }, survey([cpu]), 1, use)).measured).toBe(false);
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
  const started = (over: Partial<Started>): Started => ({ name: 'wasm', gpu: false, host: 'process', label: 'wasm, 2 threads', detail: 'd', software: false, ...over });
  it('reads "GPU: … · 4.1× CPU" or "CPU: … — why"', () => {
    const gpu = started({ name: 'webgpu', gpu: true, label: 'WebGPU · NVIDIA GeForce RTX 4070 (Vulkan)' });
    expect(backendInfo(gpu, ' · 4.1× CPU').summary).toBe('GPU: WebGPU · NVIDIA GeForce RTX 4070 (Vulkan) · 4.1× CPU');
    const why = choose([wasm(1600), webgpu(1, { software: true })], [noCuda]).why;
    expect(backendInfo(started({}), why)).toEqual({
      name: 'wasm',
      gpu: false,
      host: 'process',
      summary: 'CPU: wasm, 2 threads — CUDA 11.2 runtime not found; WebGPU adapter is software only',
      detail: 'd',
    });
  });
});

describe('reusable', () => {
  const geometry: BurstGeometry = { shape: [28, 28, 1], classes: 10, batchSize: 64 };
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
  const geometry: BurstGeometry = { shape: [28, 28, 1], classes: 10, batchSize: 32 };

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
