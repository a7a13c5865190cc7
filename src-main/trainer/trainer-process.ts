/**
 * The trainer process's entry. It waits for `start` (see protocol.ts), reads the run from the
 * database, trains it (continuing from its last snapshot if it has one), writes every snapshot and
 * the final status itself, reports progress as messages, and exits.
 *
 * A `stop` message, Ctrl-C (SIGINT reaches every process of a terminal's foreground group), a closed
 * terminal (SIGHUP) or a host that went away all end training gracefully: the batch in progress finishes, the epoch in progress is
 * abandoned, and the run is marked `stopped`. An error marks it `failed` with the message.
 */
import type { BackendInfo, RunConfig, TensorName } from '../../src-preload/api.ts';
import { TENSOR_NAMES, LAYERS } from '../../src-preload/api.ts';
import { loadDataset } from '../core/datasets/index.ts';
import { getDataset } from '../core/store/datasets.ts';
import { openDatabase, type Db } from '../core/store/db.ts';
import { readResumeState, writeResumeState } from '../core/store/resume.ts';
import { getRunRow, updateRun } from '../core/store/runs.ts';
import { insertSnapshot, readTensor } from '../core/store/snapshots.ts';
import { initBackend, startBackend } from './backend/index.ts';
import { runTraining, type ResumeState, type StartPoint } from './loop.ts';
import { probeAuto, type Geometry } from './probe.ts';
import type { FromTrainer, ToTrainer } from './protocol.ts';
import type { Kernels } from './stats.ts';

interface ParentPort {
  on(event: 'message', listener: (event: { data: ToTrainer }) => void): void;
  postMessage(message: FromTrainer): void;
}
/** Electron's utility processes talk through `process.parentPort`; forked children through IPC. */
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
/** Resolves once the message is handed over, so that exiting right after does not lose it. */
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

let stopRequested = false;
const requestStop = () => {
  stopRequested = true;
};
process.on('SIGINT', requestStop);
process.on('SIGHUP', requestStop); // the terminal closed
process.on('disconnect', requestStop);

onMessage((message) => {
  if (message.type === 'stop') requestStop();
  else if (message.type === 'probe') {
    void answerProbe(message).then(
      () => process.exit(0),
      async (err: unknown) => {
        await send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  } else if (message.type === 'start') {
    void train(message.dbPath, message.runId, message.backend).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
});

async function answerProbe({ choice, geometry, cached, remeasure }: Extract<ToTrainer, { type: 'probe' }>): Promise<void> {
  if (choice === 'auto') {
    const { info, record, measured } = await probeAuto({ geometry, cached, remeasure });
    await send({ type: 'backend', backend: info, ...(measured && { record }) });
  } else {
    await send({ type: 'backend', backend: await initBackend(choice) });
  }
}

/** The backend the host's probe chose, else the run's own choice (`auto` measured here, with nothing kept). */
async function startTraining(choice: RunConfig['backend'], geometry: Geometry, chosen?: BackendInfo): Promise<BackendInfo> {
  if (chosen) {
    await startBackend(chosen.name);
    return chosen;
  }
  return choice === 'auto' ? (await probeAuto({ geometry })).info : initBackend(choice);
}

/** The last snapshot's weights, its resume state and the initial kernels, or undefined for a fresh run. */
function startPoint(db: Db, runId: number): StartPoint | undefined {
  const resume = readResumeState(db, runId);
  if (!resume) return undefined;
  const read = (name: TensorName, seq: number) => {
    const value = readTensor(db, runId, name, seq);
    if (!value) throw new Error(`run #${runId}: snapshot ${seq} has no ${name}; it cannot be resumed`);
    return value.data;
  };
  const weights = new Map(TENSOR_NAMES.map((name) => [name, read(name, resume.seq)]));
  const initial = Object.fromEntries(LAYERS.map((l) => [l, read(`${l}/kernel`, 0)])) as Kernels;
  return { weights, initial, state: resume.state as ResumeState };
}

async function train(dbPath: string, runId: number, chosen?: BackendInfo): Promise<void> {
  const db = openDatabase(dbPath);
  try {
    const row = getRunRow(db, runId);
    if (!row) throw new Error(`there is no run #${runId} in ${dbPath}`);
    updateRun(db, runId, { status: 'running', pid: process.pid, error: null });
    const config = JSON.parse(row.config) as RunConfig;
    const geometry: Geometry = {
      shape: JSON.parse(row.input_shape) as Geometry['shape'],
      classes: (JSON.parse(row.classes) as string[]).length,
      batchSize: config.batchSize,
    };
    const backend = await startTraining(config.backend, geometry, chosen);
    updateRun(db, runId, { backend: backend.name, backendSummary: backend.summary });
    void send({ type: 'started', backend });

    // The data set's current path (the bundled sample follows the app when it moves), else the run's.
    const path = (row.dataset_id !== null && getDataset(db, row.dataset_id)?.path) || row.dataset_path;
    const { description, train, test } = await loadDataset(path, { trainLimit: config.trainLimit, testLimit: config.testLimit });
    if (JSON.stringify(description.shape) !== row.input_shape) {
      throw new Error(`${path}: images are ${description.shape.join('×')}, but run #${runId} was made for ${row.input_shape}`);
    }

    const result = await runTraining(
      config,
      { shape: description.shape, classes: description.classes.length, train, test },
      {
        onSnapshot: (snapshot, state) => {
          insertSnapshot(db, runId, snapshot, () => {
            writeResumeState(db, runId, snapshot.seq, state);
            updateRun(db, runId, { trainSeconds: state.trainSeconds, imagesPerSecond: state.imagesTrained / state.trainSeconds || null });
          });
          void send({ type: 'snapshot', seq: snapshot.seq, epoch: snapshot.epoch, testAccuracy: snapshot.metrics.testAccuracy });
        },
        onProgress: (progress) => void send({ type: 'progress', progress }),
        shouldStop: () => stopRequested,
      },
      startPoint(db, runId),
    );
    updateRun(db, runId, { status: result.status, pid: null });
    await send({ type: 'finished', ...result });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    updateRun(db, runId, { status: 'failed', error: message, pid: null });
    await send({ type: 'failed', message });
    throw err;
  } finally {
    db.close();
  }
}
