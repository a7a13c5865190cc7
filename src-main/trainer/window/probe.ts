/**
 * The trainer window's part in `auto` (../probe.ts): it starts Chromium's WebGPU (WebGL where WebGPU does
 * not start), says what it is, and times the burst on it unless it is a software adapter or the kept
 * record still holds. It does not choose: the trainer process does, with the window's findings beside its
 * own and its wasm burst the reference for both (core/training/probe.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { startWindowBackends } from './backend.ts';
import { fingerprintOf, hostRecord, type ProbeRequest } from '../probe.ts';
import type { ProbeRecord } from '../protocol.ts';

/** The page's user agent (the node project's types have no DOM). */
const userAgent = () => (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? 'unknown browser';

/** The browser's version: a new Chromium brings a new WebGPU implementation, worth measuring again. */
const chromium = () => userAgent().match(/Chrom(?:e|ium)\/[\d.]+/)?.[0] ?? userAgent();

export async function probeWindow(request: ProbeRequest): Promise<{ record: ProbeRecord; measured: boolean }> {
  const { started, passedOver } = await startWindowBackends();
  const survey = { fingerprint: fingerprintOf(chromium(), started, passedOver), started, passedOver };
  // The trainer process always measures its wasm burst beside a measured window backend: the reference.
  return hostRecord(request, survey, 1, (name) => tf.setBackend(name));
}
