/**
 * A run's training data, read from its data set and checked against the shape and classes the run was
 * made for. The trainer process reads it itself; for the hidden trainer window (which has no file
 * access) the main side reads it and sends it along.
 */
import { loadDataset, type Split } from './index.ts';

/** What a run says of its data (a trainer job has these fields). */
export interface RunData {
  runId: number;
  datasetPath: string;
  inputShape: readonly number[];
  classes: number;
  config: { trainLimit?: number; testLimit?: number };
}

export async function loadRunData(run: RunData): Promise<{ train: Split; test: Split }> {
  const { config, datasetPath: path } = run;
  const { description, train, test } = await loadDataset(path, { trainLimit: config.trainLimit, testLimit: config.testLimit });
  const [shape, madeFor] = [description.shape.join('×'), run.inputShape.join('×')];
  if (shape !== madeFor) throw new Error(`${path}: images are ${shape}, but run #${run.runId} was made for ${madeFor}`);
  if (description.classes.length !== run.classes) {
    throw new Error(`${path}: ${description.classes.length} classes, but run #${run.runId} was made for ${run.classes}`);
  }
  return { train, test };
}
