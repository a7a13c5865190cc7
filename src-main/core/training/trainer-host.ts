/**
 * Where the desktop app trains a run. Dawn cannot run inside Electron's processes, and Chromium's own
 * WebGPU and WebGL exist only in a page, so the desktop app trains those backends (and answers probes for
 * them) in its hidden trainer window; every other backend, `auto`'s measurement and the forward passes go
 * to a trainer process. Outside the desktop app (CLI, server) `webgpu` trains in a trainer process on Dawn.
 */
import type { BackendChoice } from '../../../src-preload/api.ts';
import type { TrainerSpawner } from '../../trainer/protocol.ts';

export type TrainerHostKind = 'process' | 'window';

export function trainerHostFor(backend: BackendChoice): TrainerHostKind {
  return backend === 'webgpu' || backend === 'webgl' ? 'window' : 'process';
}

/** One spawner that starts each trainer on the host its backend needs. */
export function spawnerByBackend(spawners: Record<TrainerHostKind, TrainerSpawner>): TrainerSpawner {
  return (backend) => spawners[backend ? trainerHostFor(backend) : 'process'](backend);
}
