/**
 * What a trainer gets in `start`: the run as stored, where its data set's files are now, and for a run
 * that carries on, its last snapshot's weights with their resume state and the initial kernels. Read here,
 * on the core's side, because the trainer never opens the database.
 */
import { LAYERS, TENSOR_NAMES, type TensorName } from '../../../src-preload/api.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { readResumeState } from '../store/resume.ts';
import { getRunRow } from '../store/runs.ts';
import { readTensor } from '../store/snapshots.ts';
import type { Kernels, StartPoint, TrainerJob } from '../../trainer/protocol.ts';

export function trainerJob(db: Db, runId: number): TrainerJob {
  const row = getRunRow(db, runId);
  if (!row) throw new Error(`there is no run #${runId}`);
  // The data set's current path (the bundled sample follows the app when it moves), else the run's own copy.
  const dataset = row.dataset_id === null ? undefined : getDataset(db, row.dataset_id);
  return {
    runId,
    config: JSON.parse(row.config),
    datasetPath: dataset?.path ?? row.dataset_path,
    inputShape: JSON.parse(row.input_shape),
    classes: (JSON.parse(row.classes) as string[]).length,
    from: startPoint(db, runId),
  };
}

/** The last snapshot's weights, its resume state and the initial kernels; undefined for a fresh run. */
function startPoint(db: Db, runId: number): StartPoint | undefined {
  const resume = readResumeState(db, runId);
  if (!resume) return undefined;
  const read = (name: TensorName, seq: number) => {
    const value = readTensor(db, runId, name, seq);
    if (!value) throw new Error(`run #${runId}: snapshot ${seq} has no ${name}; it cannot be resumed`);
    return value.data;
  };
  return {
    weights: Object.fromEntries(TENSOR_NAMES.map((name) => [name, read(name, resume.seq)])) as Record<TensorName, Float32Array>,
    initial: Object.fromEntries(LAYERS.map((l) => [l, read(`${l}/kernel`, 0)])) as Kernels,
    state: resume.state as StartPoint['state'],
  };
}
