/**
 * The hidden trainer window's page: the same training as the trainer process (../session.ts), on
 * Chromium's WebGPU or WebGL. Its only line to the app is the MessagePort its preload hands over
 * (src-preload/trainer-window.ts); the main side sends the job with its data and stores every snapshot.
 * The window has no Node and no file access. The main side closes it when training has ended.
 */
import { initWindowBackend, type WindowBackend } from './backend.ts';
import { TRAINER_PORT_MESSAGE, transferables, type ToTrainerWindow } from './messages.ts';
import type { FromTrainer } from '../protocol.ts';
import { TrainerSession } from '../session.ts';

/** The parts of a page's MessagePort this uses (the node project's types have no DOM). */
interface Port {
  postMessage(message: FromTrainer, transfer: ArrayBuffer[]): void;
  onmessage: ((event: { data: ToTrainerWindow }) => void) | null;
}
interface PortMessage {
  source: unknown;
  data: unknown;
  ports: readonly Port[];
}
const page = globalThis as unknown as { addEventListener(type: 'message', listener: (event: PortMessage) => void): void };

function serve(port: Port): void {
  const session = new TrainerSession(async (message) => port.postMessage(message, transferables(message)));
  port.onmessage = ({ data: message }) => {
    if (message.type === 'stop' || message.type === 'stored') session.receive(message);
    else if (message.type === 'start') {
      const { job, data } = message;
      const backend = job.config.backend as WindowBackend;
      // A failure has been sent as `failed`: the main side ends the window either way.
      session.train(job, { backend: () => initWindowBackend(backend), data: async () => data }).catch(() => undefined);
    }
  };
}

let served = false;
page.addEventListener('message', (event) => {
  if (served || event.source !== globalThis || event.data !== TRAINER_PORT_MESSAGE || !event.ports[0]) return;
  served = true;
  serve(event.ports[0]);
});
