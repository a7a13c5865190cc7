import { describe, expect, it } from 'vitest';
import { BACKEND_CHOICES } from '../../../../src-preload/api.ts';
import { spawnerByBackend, trainerHostFor } from '../../../../src-main/core/training/trainer-host.ts';
import type { TrainerProcess } from '../../../../src-main/trainer/protocol.ts';

describe('where a run trains', () => {
  it('puts WebGPU and WebGL in the trainer window, every other backend in a trainer process', () => {
    const hosts = Object.fromEntries(BACKEND_CHOICES.map((backend) => [backend, trainerHostFor(backend)]));
    expect(hosts).toEqual({ auto: 'process', tensorflow: 'process', wasm: 'process', cpu: 'process', webgpu: 'window', webgl: 'window' });
  });

  it('starts each trainer or probe on the host of its backend, and forward passes (no backend) in a trainer process', () => {
    const started: string[] = [];
    const spawner = (kind: string) => () => {
      started.push(kind);
      return {} as TrainerProcess;
    };
    const spawn = spawnerByBackend({ process: spawner('process'), window: spawner('window') });
    spawn('webgpu');
    spawn('wasm');
    spawn('webgl');
    spawn('auto');
    spawn();
    expect(started).toEqual(['window', 'process', 'window', 'process', 'process']);
  });
});
