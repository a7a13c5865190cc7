/**
 * `auto` in a trainer process (see probe.ts): it starts every backend it can, measures them unless its
 * kept record still holds, chooses among them and the desktop app's trainer window's candidates if it was
 * handed any, and switches to the winner — unless the winner is the window's, which then trains it.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, hostname, platform } from 'node:os';
import type { BackendInfo } from '../../src-preload/api.ts';
import { startBackend, tfBackendName, Unavailable, type BackendOptions } from './backend/index.ts';
import { backendInfo } from './backend-summary.ts';
import { acrossHosts, choose, fingerprintOf, hostRecord, type ProbeRequest } from './probe.ts';
import type { BackendName, Findings, PassedOver, ProbeRecord, Started } from './protocol.ts';

/** Tried in this order: wasm first, the reference the others are checked against. */
const SURVEY: BackendName[] = ['wasm', 'webgpu', 'tensorflow-gpu', 'tensorflow'];

export interface ProcessProbeRequest extends ProbeRequest {
  /** The hidden trainer window's findings (desktop app), its bursts already measured: chosen among with this process's. */
  window?: Findings | undefined;
}

/**
 * Starts every backend, measures them unless a kept record still holds, and switches to the choice (if
 * it trains in this process). `measured` is false when the record was reused.
 */
export async function probeAuto(
  request: ProcessProbeRequest,
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
  const survey = { fingerprint: fingerprintOf(machine(), [...started.values()], passedOver), started: [...started.values()], passedOver };
  const windowMeasured = request.window?.candidates.filter((c) => c.burst).length ?? 0;
  const { record, measured } = await hostRecord(request, survey, windowMeasured, (name) => tf.setBackend(tfBackendName(name)));
  const { candidates, passedOver: reasons } = acrossHosts(record, request.window);
  const decision = choose(candidates, reasons);
  const { chosen } = decision;
  // The window's winner is not started here: the core has the window train it.
  const winner = chosen.host === 'window' ? chosen : (started.get(chosen.name) ?? (await startBackend(chosen.name, options)));
  if (winner.host === 'process') await tf.setBackend(tfBackendName(winner.name));
  return { info: backendInfo(winner, decision.why, [winner.detail, ...decision.notes].join('; ')), record, measured };
}

/** This machine: a change of CPU or NVIDIA driver means measuring again. */
function machine(): string {
  const nvidia = '/proc/driver/nvidia/version';
  const driver = existsSync(nvidia) ? readFileSync(nvidia, 'utf8').split('\n')[0]!.trim() : 'no NVIDIA driver';
  return `${hostname()} · ${cpus()[0]?.model ?? 'unknown CPU'} × ${availableParallelism()} · ${platform()}-${arch()} · ${driver}`;
}
