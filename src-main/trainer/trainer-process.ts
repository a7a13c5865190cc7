/**
 * The trainer process's entry. It waits for `start` with its job (see protocol.ts), loads the data set,
 * trains (from the job's start point when the run resumes), and sends every snapshot, its progress and
 * how it ended to its host, which stores them: this process never opens the database.
 *
 * A `stop` message, Ctrl-C (SIGINT reaches every process of a terminal's foreground group) or a closed
 * terminal (SIGHUP) end training gracefully: the batch in progress finishes, the epoch in progress is
 * abandoned, and `finished` says `stopped`. An error is sent as `failed` with its message. A host that
 * went away can store nothing more, so the process then exits at once.
 *
 * A heartbeat goes out every second from a timer on this (the training) thread: it fires whenever the thread
 * is free, between batches as while it awaits, so its absence means a call that never returns.
 */
import type { BackendInfo } from '../../src-preload/api.ts';
import { loadRunData } from '../datasets/for-run.ts';
import { backendInfo } from './backend-summary.ts';
import { initBackend, startBackend } from './backend/index.ts';
import { ForwardServer } from './forward.ts';
import { probeAuto } from './probe-process.ts';
import { HEARTBEAT_INTERVAL_MS, type BurstGeometry, type FromTrainer, type ToTrainer, type TrainerJob } from './protocol.ts';
import { TrainerSession } from './session.ts';

interface ParentPort {
  on(event: 'message', listener: (event: { data: ToTrainer }) => void): void;
  postMessage(message: FromTrainer): void;
}
/** Electron's utility processes talk through `process.parentPort`; forked children through IPC. */
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
/**
 * Hands a message over (both channels copy it at once, so it may change afterwards); resolves once it is
 * on its way, so that exiting right after does not lose it.
 */
const send = (message: FromTrainer) =>
  new Promise<void>((resolve) => {
    if (parentPort) {
      parentPort.postMessage(message);
      resolve();
    } else if (process.connected) process.send!(message, undefined, undefined, () => resolve());
    else resolve();
  });
const onMessage = (listener: (message: ToTrainer) => void) => {
  if (parentPort) parentPort.on('message', (event) => listener(event.data));
  else process.on('message', (message) => listener(message as ToTrainer));
};

/** Set when this process answers forward passes for the activation views instead of training. */
let forward: ForwardServer | undefined;
const session = new TrainerSession(send);
process.on('SIGINT', () => session.requestStop());
process.on('SIGHUP', () => session.requestStop()); // the terminal closed
process.on('disconnect', () => process.exit(0)); // the host is gone: nothing more can be stored
// Unref'd: the heartbeat alone never keeps the process alive.
setInterval(() => void send({ type: 'heartbeat' }), HEARTBEAT_INTERVAL_MS).unref();

onMessage((message) => {
  if (message.type === 'stop' || message.type === 'stored') session.receive(message);
  else if (message.type === 'probe') {
    void answerProbe(message).then(
      () => process.exit(0),
      async (err: unknown) => {
        await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  } else if (message.type === 'forward') {
    void (forward ??= new ForwardServer()).answer(message).then(send);
  } else if (message.type === 'start') {
    const { job } = message;
    void session.train(job, { backend: () => startTraining(job), data: () => loadRunData(job) }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});

async function answerProbe({ choice, geometry, cached, remeasure, window }: Extract<ToTrainer, { type: 'probe' }>): Promise<void> {
  if (choice === 'auto') {
    const { info, record, measured } = await probeAuto({ geometry, cached, remeasure, window });
    await send({ type: 'backend', backend: info, ...(measured && { record }) });
  } else {
    await send({ type: 'backend', backend: await initBackend(choice) });
  }
}

/** The backend the host's probe chose, else the run's own choice (`auto` measured here, with nothing kept). */
async function startTraining(job: TrainerJob): Promise<BackendInfo> {
  const options = { wasmThreads: job.wasmThreads };
  if (job.backend) {
    const started = await startBackend(job.backend.name, options);
    // A group member on fewer threads than the probe measured with says so (the probe's reasons stay in its detail).
    if (job.wasmThreads === undefined) return job.backend;
    return { ...job.backend, summary: backendInfo(started, ' — a group member, beside the others').summary, detail: `${started.detail}; chosen as: ${job.backend.summary}` };
  }
  const { backend } = job.config;
  if (backend !== 'auto') return initBackend(backend, options);
  const geometry: BurstGeometry = { shape: job.inputShape, classes: job.classes, batchSize: job.config.batchSize };
  return (await probeAuto({ geometry })).info;
}
