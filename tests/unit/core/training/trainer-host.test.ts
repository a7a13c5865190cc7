import { describe, expect, it } from 'vitest';
import { BACKEND_CHOICES } from '../../../../src-preload/api.ts';
import { spawnerByBackend, trainerHostFor } from '../../../../src-main/core/training/trainer-host.ts';
import type { TrainerJob, TrainerProcess } from '../../../../src-main/trainer/protocol.ts';

describe('where a run trains', () => {
  it('puts WebGPU and WebGL in the trainer window, every other backend in a trainer process', () => {
    const hosts = Object.fromEntries(BACKEND_CHOICES.map((backend) => [backend, trainerHostFor(backend)]));
    expect(hosts).toEqual({ auto: 'process', tensorflow: 'process', wasm: 'process', cpu: 'process', webgpu: 'window', webgl: 'window' });
  });

  it('starts each job on its host, and a probe (no job) in a trainer process', () => {
    const started: string[] = [];
    const spawner = (kind: string) => () => {
      started.push(kind);
      return {} as TrainerProcess;
    };
    const spawn = spawnerByBackend({ process: spawner('process'), window: spawner('window') });
    const job = (backend: TrainerJob['config']['backend']) => ({ config: { backend } }) as TrainerJob;
    spawn(job('webgpu'));
    spawn(job('wasm'));
    spawn(job('webgl'));
    spawn();
    expect(started).toEqual(['window', 'process', 'window', 'process']);
  });
});
