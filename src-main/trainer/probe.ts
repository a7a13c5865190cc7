/**
 * `auto`: the backend that trains fastest here, by measurement.
 *
 * Every backend that starts is timed on a short real training burst: LeNet at the run's batch size and
 * input shape, with the product's own training step, WARMUP steps and then STEPS timed, on one seeded
 * batch of class-patterned noise (the same on every backend, and quick to learn, so that a wrong
 * gradient shows in the loss). Its losses must agree with the wasm backend's, the reference: a broken
 * kernel must not win. Software GPU adapters are never measured nor chosen. The fastest wins, except
 * that a GPU must beat the CPU path by GPU_MARGIN; below that the CPU path trains (fewer moving parts).
 *
 * The measurements go back to the host as a `ProbeRecord` with a fingerprint of this machine and of what
 * every backend is (packages, adapter, driver) or why it did not start; the host keeps the record next to
 * the user's data and hands it back, and it is reused while the fingerprint and the geometry hold.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, hostname, platform } from 'node:os';
import { runConfigSchema, type BackendInfo } from '../../src-preload/api.ts';
import { startBackend, tfBackendName, Unavailable, type BackendOptions } from './backend/index.ts';
import { backendInfo, type BackendName, type Started } from './backend-summary.ts';
import { makeOptimizer, trainStep } from './loop.ts';
import { createLeNet } from './model/lenet.ts';
import { ShuffleRng } from './shuffle.ts';

/** A GPU must train at least this many times faster than the CPU path to be chosen. */
export const GPU_MARGIN = 1.3;
export const WARMUP = 3;
export const STEPS = 20;
/** How far a backend's burst losses may stray from wasm's, relative to how far wasm's loss fell. */
export const LOSS_TOLERANCE = 0.05;

/** What a burst trains on: the run's image shape, classes and batch size. */
export interface Geometry {
  shape: [number, number, number];
  classes: number;
  batchSize: number;
}

export interface Burst {
  imagesPerSecond: number;
  /** The loss of the first warm-up step (same initial weights everywhere) and of the last timed step. */
  firstLoss: number;
  lastLoss: number;
}

/** One backend that started, and its burst if it was measured. */
export interface Candidate {
  name: BackendName;
  gpu: boolean;
  label: string;
  software: boolean;
  burst?: Burst;
  /** Why its burst failed, if it did. */
  failed?: string;
}

export interface PassedOver {
  name: BackendName;
  short: string;
  reason: string;
}

/** What the host keeps between runs (as JSON) and hands back. */
export interface ProbeRecord {
  fingerprint: string;
  geometry: Geometry;
  candidates: Candidate[];
  passedOver: PassedOver[];
  measuredAt: string;
}

export interface Decision {
  chosen: Pick<Candidate, 'name' | 'label'>;
  /** Ends the summary line: " · 4.1× CPU", or " — " and why no GPU trains. */
  why: string;
  /** The measurements and every reason, for the detail. */
  notes: string[];
}

/** Tried in this order: wasm first, the reference the others are checked against. */
const SURVEY: BackendName[] = ['wasm', 'webgpu', 'tensorflow-gpu', 'tensorflow'];
const KIND: Record<BackendName, string> = {
  'tensorflow-gpu': 'TensorFlow CUDA',
  webgpu: 'WebGPU',
  tensorflow: 'TensorFlow',
  wasm: 'wasm',
  cpu: 'cpu',
  webgl: 'WebGL',
};
const PROBE_SEED = 1;

const rate = (c: Candidate) => c.burst?.imagesPerSecond ?? 0;
const fastest = (list: Candidate[]) => list.reduce((best, c) => (rate(c) > rate(best) ? c : best));
const imgs = (c: Candidate) => `${Math.round(rate(c)).toLocaleString('en-US')} img/s`;

/** True when a burst's losses match the reference's closely enough that its kernels compute the same thing. */
export function agrees(burst: Burst, reference: Burst): boolean {
  const fell = Math.abs(reference.firstLoss - reference.lastLoss);
  return (
    Math.abs(burst.firstLoss - reference.firstLoss) <= 1e-3 * Math.abs(reference.firstLoss) &&
    Math.abs(burst.lastLoss - reference.lastLoss) <= LOSS_TOLERANCE * fell + 1e-4
  );
}

/** The choice, from the candidates and their bursts. Pure: its tests give it made-up timings. */
export function choose(candidates: Candidate[], passedOver: PassedOver[]): Decision {
  const isGpu = (name: BackendName) => name === 'webgpu' || name === 'tensorflow-gpu';
  const reasons = passedOver.filter((p) => isGpu(p.name)).map((p) => p.short);
  const notes = passedOver.map((p) => p.reason);
  const reference = candidates.find((c) => c.name === 'wasm' && c.burst);
  const qualified: Candidate[] = [];
  for (const c of candidates) {
    if (c.software) {
      reasons.push(`${KIND[c.name]} adapter is software only`);
      notes.push(`${c.label}: a software adapter, never chosen by auto`);
    } else if (c.failed !== undefined) {
      reasons.push(`${KIND[c.name]} failed its test burst`);
      notes.push(`${c.label} failed its test burst: ${c.failed}`);
    } else if (c.burst && reference && c !== reference && !agrees(c.burst, reference.burst!)) {
      const { firstLoss, lastLoss } = c.burst;
      const ref = reference.burst!;
      reasons.push(`${KIND[c.name]} computes wrong results`);
      notes.push(
        `${c.label}: its losses over ${WARMUP + STEPS} steps (${firstLoss.toFixed(4)} → ${lastLoss.toFixed(4)}) ` +
          `disagree with wasm's (${ref.firstLoss.toFixed(4)} → ${ref.lastLoss.toFixed(4)})`,
      );
    } else {
      qualified.push(c);
    }
  }
  const measured = qualified.filter((c) => c.burst);
  if (measured.length > 0) notes.unshift(`measured: ${measured.map((c) => `${c.label} ${imgs(c)}`).join(', ')}`);

  const cpus = qualified.filter((c) => !c.gpu);
  const floor = cpus.length > 0 ? fastest(cpus) : { name: 'cpu' as const, label: 'plain JavaScript' };
  const gpus = qualified.filter((c) => c.gpu && c.burst);
  if (gpus.length > 0 && 'burst' in floor && floor.burst) {
    const gpu = fastest(gpus);
    const speedup = rate(gpu) / rate(floor);
    if (speedup >= GPU_MARGIN) return { chosen: gpu, why: ` · ${speedup.toFixed(1)}× CPU`, notes };
    reasons.push(`${KIND[gpu.name]} only ${speedup.toFixed(1)}× CPU (needs ${GPU_MARGIN}×)`);
  }
  return { chosen: floor, why: reasons.length > 0 ? ` — ${reasons.join('; ')}` : '', notes };
}

/** True when a kept record can stand for a new measurement. */
export function reusable(record: ProbeRecord | undefined, fingerprint: string, geometry: Geometry): record is ProbeRecord {
  return (
    record !== undefined &&
    record.fingerprint === fingerprint &&
    record.geometry.batchSize === geometry.batchSize &&
    record.geometry.classes === geometry.classes &&
    record.geometry.shape.join('×') === geometry.shape.join('×')
  );
}

export interface ProbeRequest {
  geometry: Geometry;
  /** The record kept from an earlier probe, if any. */
  cached?: ProbeRecord;
  /** Measure again even if the kept record still holds. */
  remeasure?: boolean;
}

/**
 * Starts every backend, measures them unless a kept record still holds, and switches to the choice.
 * `measured` is false when the record was reused.
 */
export async function probeAuto(
  request: ProbeRequest,
  options: BackendOptions = {},
): Promise<{ info: BackendInfo; record: ProbeRecord; measured: boolean }> {
  const started = new Map<BackendName, Started>();
  const passedOver: PassedOver[] = [];
  for (const name of SURVEY) {
    if (name === 'tensorflow' && started.has('tensorflow-gpu')) continue; // one libtensorflow per process
    try {
      started.set(name, await startBackend(name, options));
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err;
      passedOver.push({ name, short: err.short, reason: err.message });
    }
  }
  const fingerprint = fingerprintOf([...started.values()], passedOver);
  const reuse = !request.remeasure && reusable(request.cached, fingerprint, request.geometry);
  const record: ProbeRecord = reuse
    ? request.cached!
    : {
        fingerprint,
        geometry: request.geometry,
        candidates: await measure([...started.values()], request.geometry),
        passedOver,
        measuredAt: new Date().toISOString(),
      };
  const decision = choose(record.candidates, record.passedOver);
  const chosen = started.get(decision.chosen.name) ?? (await startBackend(decision.chosen.name, options));
  await tf.setBackend(tfBackendName(chosen.name));
  return { info: backendInfo(chosen, decision.why, [chosen.detail, ...decision.notes].join('; ')), record, measured: !reuse };
}

/** Times every hardware backend, unless there is nothing to choose between. */
async function measure(started: Started[], geometry: Geometry): Promise<Candidate[]> {
  const candidates: Candidate[] = started.map(({ name, gpu, label, software }) => ({ name, gpu, label, software }));
  const measurable = candidates.filter((c) => !c.software);
  if (measurable.length < 2) return candidates;
  for (const c of measurable) {
    try {
      await tf.setBackend(tfBackendName(c.name));
      c.burst = await burst(geometry);
    } catch (err) {
      c.failed = err instanceof Error ? err.message : String(err);
    }
  }
  return candidates;
}

/** WARMUP + STEPS training steps of a fresh LeNet on one batch, on the current backend. */
export async function burst(geometry: Geometry): Promise<Burst> {
  const { shape, classes, batchSize } = geometry;
  const net = createLeNet(shape, PROBE_SEED, [], classes);
  const optimizer = makeOptimizer(runConfigSchema.parse({}));
  const { x, y } = patternedNoise(geometry);
  try {
    const firstLoss = (await trainStep(net, optimizer, x, y)).loss;
    for (let i = 1; i < WARMUP; i++) await trainStep(net, optimizer, x, y);
    const t0 = performance.now();
    let lastLoss = firstLoss;
    for (let i = 0; i < STEPS; i++) lastLoss = (await trainStep(net, optimizer, x, y)).loss;
    const seconds = (performance.now() - t0) / 1000;
    return { imagesPerSecond: (STEPS * batchSize) / seconds, firstLoss, lastLoss };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    net.model.dispose();
  }
}

/** A batch whose image i shows class (i mod classes)'s own seeded pattern under seeded noise. */
function patternedNoise({ shape, classes, batchSize }: Geometry): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const size = shape[0] * shape[1] * shape[2];
  const rng = new ShuffleRng(PROBE_SEED);
  const patterns = Array.from({ length: classes }, () => Float32Array.from({ length: size }, () => (rng.next() < 0.3 ? 1 : 0)));
  const xs = new Float32Array(batchSize * size);
  const ys = new Float32Array(batchSize * classes);
  for (let i = 0; i < batchSize; i++) {
    const label = i % classes;
    for (let k = 0; k < size; k++) xs[i * size + k] = 0.6 * patterns[label]![k]! + 0.4 * rng.next();
    ys[i * classes + label] = 1;
  }
  return { x: tf.tensor4d(xs, [batchSize, ...shape]), y: tf.tensor2d(ys, [batchSize, classes]) };
}

/** This machine and what every backend is, or why it did not start: a change in any means measuring again. */
function fingerprintOf(started: Started[], passedOver: PassedOver[]): string {
  const nvidia = '/proc/driver/nvidia/version';
  const driver = existsSync(nvidia) ? readFileSync(nvidia, 'utf8').split('\n')[0]!.trim() : 'no NVIDIA driver';
  return [
    `${hostname()} · ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()} · ${platform()}-${arch()} · ${driver}`,
    ...started.map((s) => `${s.name}: ${s.detail}`),
    ...passedOver.map((p) => `${p.name}: ${p.reason}`),
  ].join('\n');
}
