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
 * Two hosts measure: a trainer process (probe-process.ts: Dawn's WebGPU, CUDA, wasm…) and, in the desktop
 * app, the hidden trainer window (window/probe.ts: Chromium's WebGPU, WebGL where WebGPU does not start).
 * The window measures first and hands its candidates to the process, which chooses among both hosts'
 * (`acrossHosts`), its wasm burst the reference for all. Each host's measurements go back as a
 * `ProbeRecord` with a fingerprint of what its backends are (packages, adapter, driver, browser) or why
 * they did not start; the core keeps each host's record next to the user's data and hands it back, and
 * it is reused while the fingerprint and the geometry hold.
 *
 * This file is shared by both hosts, so it uses nothing of Node.
 */
import * as tf from '@tensorflow/tfjs';
import { runConfigSchema } from '../../src-preload/api.ts';
import type { BackendName, Burst, BurstGeometry, Candidate, Findings, PassedOver, ProbeRecord, Started } from './protocol.ts';
import { makeOptimizer, trainStep } from './loop.ts';
import { createLeNet } from './model/lenet.ts';
import { ShuffleRng } from './shuffle.ts';

/** A GPU must train at least this many times faster than the CPU path to be chosen. */
export const GPU_MARGIN = 1.3;
export const WARMUP = 3;
export const STEPS = 20;
/** How far a backend's burst losses may stray from wasm's, relative to how far wasm's loss fell. */
export const LOSS_TOLERANCE = 0.05;




/** The last resort where no CPU path started: the plain JavaScript backend. */
const LAST_RESORT = { name: 'cpu', host: 'process', label: 'plain JavaScript' } as const;

export interface Decision {
  /** The winner (its `host` trains it), or the last resort. */
  chosen: Candidate | typeof LAST_RESORT;
  /** Ends the summary line: " · 4.1× CPU", or " — " and why no GPU trains. */
  why: string;
  /** The measurements and every reason, for the detail. */
  notes: string[];
}

/** Each backend in the words of the summary line. */
export const KIND: Record<BackendName, string> = {
  'tensorflow-gpu': 'TensorFlow CUDA',
  webgpu: 'WebGPU',
  tensorflow: 'TensorFlow',
  wasm: 'wasm',
  cpu: 'cpu',
  webgl: 'WebGL',
};
const PROBE_SEED = 1;

const isGpu = (name: BackendName) => name === 'webgpu' || name === 'tensorflow-gpu' || name === 'webgl';
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

/**
 * The trainer process's findings and the desktop app's trainer window's, to choose among together. A
 * backend the window reports on (started, or passed over with its own reason) needs no reason from the
 * process: Chromium's WebGPU stands in for Dawn's, which cannot run inside Electron's processes.
 */
export function acrossHosts(process: Findings, window?: Findings): Findings {
  if (!window) return { candidates: process.candidates, passedOver: process.passedOver };
  const covered = new Set([...window.candidates, ...window.passedOver].map((c) => c.name));
  return {
    candidates: [...process.candidates, ...window.candidates],
    passedOver: [...process.passedOver.filter((p) => !covered.has(p.name)), ...window.passedOver],
  };
}

/** The choice, from the candidates and their bursts. Pure: its tests give it made-up timings. */
export function choose(candidates: Candidate[], passedOver: PassedOver[]): Decision {
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
  const floor = cpus.length > 0 ? fastest(cpus) : LAST_RESORT;
  const gpus = qualified.filter((c) => c.gpu && c.burst);
  if (gpus.length > 0 && 'burst' in floor && floor.burst) {
    const gpu = fastest(gpus);
    const speedup = rate(gpu) / rate(floor);
    if (speedup >= GPU_MARGIN) return { chosen: gpu, why: ` · ${speedup.toFixed(1)}× CPU`, notes };
    reasons.push(`${KIND[gpu.name]} only ${speedup.toFixed(1)}× CPU (needs ${GPU_MARGIN}×)`);
  }
  // Both hosts may say the same (each one's WebGPU adapter is software only): once is enough.
  const why = [...new Set(reasons)].join('; ');
  return { chosen: floor, why: why ? ` — ${why}` : '', notes };
}

/** True when a kept record can stand for a new measurement. */
export function reusable(record: ProbeRecord | undefined, fingerprint: string, geometry: BurstGeometry): record is ProbeRecord {
  return (
    record !== undefined &&
    record.fingerprint === fingerprint &&
    record.geometry.batchSize === geometry.batchSize &&
    record.geometry.classes === geometry.classes &&
    record.geometry.shape.join('×') === geometry.shape.join('×')
  );
}

export interface ProbeRequest {
  geometry: BurstGeometry;
  /** The record kept from this host's earlier probe, if any. */
  cached?: ProbeRecord | undefined;
  /** Measure again even if the kept record still holds. */
  remeasure?: boolean | undefined;
}

/** What a host has to offer before measuring: its backends that started and those that did not, and what they are. */
export interface Survey {
  fingerprint: string;
  started: Started[];
  passedOver: PassedOver[];
}

/** A fingerprint of a host and what every backend there is, or why it did not start: a change in any means measuring again. */
export function fingerprintOf(host: string, started: Started[], passedOver: PassedOver[]): string {
  return [host, ...started.map((s) => `${s.name}: ${s.detail}`), ...passedOver.map((p) => `${p.name}: ${p.reason}`)].join('\n');
}

const unmeasured = (c: Candidate) => !c.software && !c.burst && c.failed === undefined;

/**
 * One host's record: the kept one while it holds, else a new one. A burst is timed on each of its
 * non-software backends, one after another (`use` switches to each), when there is something to choose
 * between: at least two measurable backends, counting the `alongside` ones another host measures for the
 * same choice. A kept record that was not measured then does not hold. `measured` is false when the kept
 * record was reused.
 */
export async function hostRecord(
  request: ProbeRequest,
  survey: Survey,
  alongside: number,
  use: (name: BackendName) => Promise<unknown>,
): Promise<{ record: ProbeRecord; measured: boolean }> {
  const { geometry, cached, remeasure } = request;
  const measurable = survey.started.filter((s) => !s.software);
  const worthMeasuring = measurable.length + alongside >= 2;
  if (!remeasure && reusable(cached, survey.fingerprint, geometry) && !(worthMeasuring && cached.candidates.some(unmeasured))) {
    return { record: cached, measured: false };
  }
  const candidates: Candidate[] = survey.started.map((s) => ({ ...s }));
  if (worthMeasuring) {
    for (const c of candidates.filter((c) => !c.software)) {
      try {
        await use(c.name);
        c.burst = await burst(geometry);
      } catch (err) {
        c.failed = err instanceof Error ? err.message : String(err);
      }
    }
  }
  const record = { fingerprint: survey.fingerprint, geometry, candidates, passedOver: survey.passedOver, measuredAt: new Date().toISOString() };
  return { record, measured: true };
}

/** WARMUP + STEPS training steps of a fresh LeNet on one batch, on the current backend. */
export async function burst(geometry: BurstGeometry): Promise<Burst> {
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
function patternedNoise({ shape, classes, batchSize }: BurstGeometry): { x: tf.Tensor4D; y: tf.Tensor2D } {
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
