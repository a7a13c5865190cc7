/**
 * The trainer process's entry. It waits for `start` with its job (see protocol.ts), loads the data set,
 * trains (from the job's start point when the run resumes), and sends every snapshot, its progress and
 * how it ended to its host, which stores them: this process never opens the database.
 *
 * A `stop` message, Ctrl-C (SIGINT reaches every process of a terminal's foreground group) or a closed
 * terminal (SIGHUP) end training gracefully: the batch in progress finishes, the epoch in progress is
 * abandoned, and `finished` says `stopped`. An error is sent as `failed` with its message. A host that
 * went away can store nothing more, so the process then exits at once.
 */
import { loadJobData } from '../core/training/job-data.ts';
import { initBackend } from './backend/index.ts';
import type { FromTrainer, ToTrainer } from './protocol.ts';
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

const session = new TrainerSession(send);
process.on('SIGINT', () => session.requestStop());
process.on('SIGHUP', () => session.requestStop()); // the terminal closed
process.on('disconnect', () => process.exit(0)); // the host is gone: nothing more can be stored

onMessage((message) => {
  if (message.type === 'stop' || message.type === 'stored') session.receive(message);
  else if (message.type === 'probe') {
    void initBackend('auto')
      .then((backend) => send({ type: 'backend', backend }))
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  } else if (message.type === 'start') {
    const { job } = message;
    void session.train(job, { backend: () => initBackend(job.config.backend), data: () => loadJobData(job) }).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});
