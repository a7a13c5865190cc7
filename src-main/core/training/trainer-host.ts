/**
 * Where a run trains: Chromium's WebGPU and WebGL exist only in a page, so the desktop app trains those
 * backends in its hidden trainer window; every other backend (and `auto`'s probe) in a trainer process.
 */
import type { BackendChoice } from '../../../src-preload/api.ts';
import type { TrainerSpawner } from '../../trainer/protocol.ts';

export type TrainerHostKind = 'process' | 'window';

export function trainerHostFor(backend: BackendChoice): TrainerHostKind {
  return backend === 'webgpu' || backend === 'webgl' ? 'window' : 'process';
}

/** One spawner that starts each job on the host its backend needs. */
export function spawnerByBackend(spawners: Record<TrainerHostKind, TrainerSpawner>): TrainerSpawner {
  return (job) => spawners[job ? trainerHostFor(job.config.backend) : 'process'](job);
}
