/**
 * Which backend a run would train on, asked of a short-lived trainer process: the answer is exactly what
 * training would get, and tfjs stays out of the app's own process.
 */
import type { BackendInfo } from '../../../src-preload/api.ts';
import type { TrainerSpawner } from '../../trainer/protocol.ts';

export function probeBackend(spawn: TrainerSpawner): Promise<BackendInfo> {
  return new Promise<BackendInfo>((resolve, reject) => {
    const trainer = spawn();
    trainer.on('message', (message) => {
      if (message.type === 'backend') resolve(message.backend);
    });
    trainer.on('exit', (code) => reject(new Error(`the backend probe exited with code ${code} before answering`)));
    trainer.postMessage({ type: 'probe' });
  });
}
