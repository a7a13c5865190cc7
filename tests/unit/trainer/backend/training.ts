/** The suite both thread counts run, each in its own test file (threads are fixed once per process). */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { createLeNet } from '../../../../src-main/trainer/model/lenet.ts';
import { initBackend } from '../../../../src-main/trainer/backend/index.ts';
import { fashionBatch } from './helpers.ts';

export function trainsLeNetWith(threads: number): void {
  it(`trains LeNet on the wasm backend with ${threads} thread${threads === 1 ? '' : 's'}`, async () => {
    const info = await initBackend('wasm', { wasmThreads: threads });
    expect(info.name).toBe('wasm');
    expect(info.detail).toContain(`(SIMD, ${threads} thread${threads === 1 ? '' : 's'})`);
    if (threads > 1) {
      // emscripten's pthread pool holds the threads asked for, not its fixed 8 (wasm-threads.ts).
      const { PThread } = (tf.backend() as unknown as { wasm: { PThread: Record<'unusedWorkers' | 'runningWorkers', unknown[]> } }).wasm;
      expect(PThread.unusedWorkers.length + PThread.runningWorkers.length).toBe(threads);
    }
    const net = createLeNet([28, 28, 1], 5);
    const { x, y } = fashionBatch(64);
    const optimizer = tf.train.adam(1e-3);
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const loss = optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, net.model.apply(x) as tf.Tensor) as tf.Scalar, true, net.trainable)!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.5);
    tf.dispose([x, y]);
    optimizer.dispose();
    net.model.dispose();
  });
}
