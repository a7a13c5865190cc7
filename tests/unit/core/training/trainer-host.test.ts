import { describe, expect, it } from 'vitest';
import { BACKEND_CHOICES, type BackendInfo } from '../../../../src-preload/api.ts';
import { spawnerByBackend, trainerHostFor } from '../../../../src-main/core/training/trainer-host.ts';
import type { TrainerProcess } from '../../../../src-main/trainer/protocol.ts';

describe('where a run trains', () => {
  it('puts WebGPU and WebGL in the trainer window, every other backend in a trainer process', () => {
    const hosts = Object.fromEntries(BACKEND_CHOICES.map((backend) => [backend, trainerHostFor(backend)]));
    expect(hosts).toEqual({ auto: 'process', tensorflow: 'process', wasm: 'process', cpu: 'process', webgpu: 'window', webgl: 'window' });
  });

  /** A spawner over both hosts that only records which host each start went to. */
  function recording() {
    const started: string[] = [];
    const spawner = (kind: string) => () => {
      started.push(kind);
      return {} as TrainerProcess;
    };
    return { started, spawn: spawnerByBackend({ process: spawner('process'), window: spawner('window') }) };
  }

  it('starts each trainer or probe on the host of its backend, and forward passes (no backend) in a trainer process', () => {
    const { started, spawn } = recording();
    spawn('webgpu');
    spawn('wasm');
    spawn('webgl');
    spawn('auto');
    spawn();
    expect(started).toEqual(['window', 'process', 'window', 'process', 'process']);
  });

  it("trains where the probe's answer says (auto's may be the window's GPU), and offers the window to auto's probe", () => {
    const { started, spawn } = recording();
    const answer = (over: Partial<BackendInfo>): BackendInfo => ({ name: 'webgpu', gpu: true, host: 'window', summary: 'GPU: WebGPU · A GPU (Chromium) · 4.1× CPU', detail: '', ...over });
    spawn(answer({}));
    spawn(answer({ name: 'wasm', gpu: false, host: 'process' }));
    spawn.window!();
    expect(started).toEqual(['window', 'process', 'window']);
  });
});
