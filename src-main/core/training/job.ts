/**
 * What a trainer gets in `start`: the run as stored, where its data set's files are now, and for a run
 * that carries on, its last snapshot's weights with their resume state and the initial kernels. Read here,
 * on the core's side, because the trainer never opens the database.
 */
import { LAYERS, TENSOR_NAMES, type TensorName } from '../../../src-preload/api.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { readLedger } from '../store/ledgers.ts';
import { readResumeState } from '../store/resume.ts';
import { getStoredRun } from '../store/runs.ts';
import { readTensor } from '../store/snapshots.ts';
import type { Kernels, StartPoint, TrainerJob } from '../../trainer/protocol.ts';

export function trainerJob(db: Db, runId: number): TrainerJob {
  const run = getStoredRun(db, runId);
  if (!run) throw new Error(`there is no run #${runId}`);
  // The data set's current path (the bundled sample follows the app when it moves), else the run's own copy.
  const dataset = run.datasetId === null ? undefined : getDataset(db, run.datasetId);
  return {
    runId,
    config: run.config,
    datasetPath: dataset?.path ?? run.datasetPath,
    inputShape: run.inputShape,
    classes: run.classes.length,
    from: startPoint(db, runId),
  };
}

/**
 * The last snapshot's weights, its resume state, the initial kernels and, inside an epoch, that epoch's
 * ledger so far; undefined for a fresh run.
 */
function startPoint(db: Db, runId: number): StartPoint | undefined {
  const state = readResumeState(db, runId);
  if (!state) return undefined;
  const read = (name: TensorName, seq: number) => {
    const value = readTensor(db, runId, name, seq);
    if (!value) throw new Error(`run #${runId}: snapshot ${seq} has no ${name}; it cannot be resumed`);
    return value.data;
  };
  const ledger = state.batch > 0 ? readLedger(db, runId, state.seq) : undefined;
  return {
    weights: Object.fromEntries(TENSOR_NAMES.map((name) => [name, read(name, state.seq)])) as Record<TensorName, Float32Array>,
    initial: Object.fromEntries(LAYERS.map((l) => [l, read(`${l}/kernel`, 0)])) as Kernels,
    state,
    ...(ledger ? { ledger } : {}),
  };
}
