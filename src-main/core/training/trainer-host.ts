/**
 * Where the desktop app trains a run. Dawn cannot run inside Electron's processes, and Chromium's own
 * WebGPU and WebGL exist only in a page, so the desktop app trains those backends (and answers probes for
 * them) in its hidden trainer window; every other backend and the forward passes go to a trainer process.
 * `auto` is probed in both (core/training/probe.ts): the trainer process chooses, and the `BackendInfo` it
 * answers says which host trains the winner. Outside the desktop app (CLI, server) there is no window:
 * `webgpu` trains in a trainer process on Dawn.
 */
import type { BackendChoice, BackendInfo } from '../../../src-preload/api.ts';
import type { TrainerSpawner } from '../../trainer/protocol.ts';

export type TrainerHostKind = BackendInfo['host'];

/** A probe's answer says where it trains; a choice not yet probed trains where its backend can. */
export function trainerHostFor(backend: BackendChoice | BackendInfo): TrainerHostKind {
  if (typeof backend === 'object') return backend.host;
  return backend === 'webgpu' || backend === 'webgl' ? 'window' : 'process';
}

/** One spawner that starts each trainer on the host its backend needs, and offers the window to `auto`'s probe. */
export function spawnerByBackend(spawners: Record<TrainerHostKind, TrainerSpawner>): TrainerSpawner {
  const spawn = (backend?: BackendChoice | BackendInfo) => spawners[backend ? trainerHostFor(backend) : 'process'](backend);
  return Object.assign(spawn, { window: () => spawners.window() });
}
