/**
 * The hidden trainer window's page: the same training as the trainer process (../session.ts), on
 * Chromium's WebGPU or WebGL. Its only line to the app is the MessagePort its preload hands over
 * (src-preload/trainer-window.ts); the main side sends the job with its data and stores every snapshot.
 * The window has no Node and no file access. The main side closes it when training has ended.
 */
import type { BackendInfo } from '../../../src-preload/api.ts';
import { initWindowBackend, type WindowBackend } from './backend.ts';
import { TRAINER_PORT_MESSAGE } from '../../../src-preload/trainer-port.ts';
import { transferables, type ToTrainerWindow } from './messages.ts';
import { probeWindow } from './probe.ts';
import { HEARTBEAT_INTERVAL_MS, type FromTrainer } from '../protocol.ts';
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
  const send = async (message: FromTrainer) => port.postMessage(message, transferables(message));
  const session = new TrainerSession(send);
  // As the trainer process does: a heartbeat from the thread that trains, whenever it is free.
  setInterval(() => void send({ type: 'heartbeat' }), HEARTBEAT_INTERVAL_MS);
  port.onmessage = ({ data: message }) => {
    if (message.type === 'stop' || message.type === 'stored') session.receive(message);
    else if (message.type === 'probe') {
      // `auto`: this window's findings, for the trainer process to choose among. The main side closes the window once it has the answer.
      const answer: Promise<FromTrainer> =
        message.choice === 'auto'
          ? probeWindow(message).then(({ record, measured }) => ({ type: 'probed', record, measured }))
          : initWindowBackend(message.choice as WindowBackend).then((backend) => ({ type: 'backend', backend }));
      answer.then(send, (err: unknown) => send({ type: 'failed', message: err instanceof Error ? err.message : String(err) }));
    } else if (message.type === 'start') {
      const { job, data } = message;
      // The backend the probe chose, said as the probe said it; should that one no longer start (a lost
      // device, a changed driver), the WebGL it falls back to, said as such.
      const backend = async (): Promise<BackendInfo> => {
        if (!job.backend) return initWindowBackend(job.config.backend as WindowBackend);
        const started = await initWindowBackend(job.backend.name as WindowBackend);
        return started.name === job.backend.name ? job.backend : started;
      };
      // A failure has been sent as `failed`: the main side ends the window either way.
      session.train(job, { backend, data: async () => data }).catch(() => undefined);
    }
  };
}

let served = false;
page.addEventListener('message', (event) => {
  if (served || event.source !== globalThis || event.data !== TRAINER_PORT_MESSAGE || !event.ports[0]) return;
  served = true;
  serve(event.ports[0]);
});
