/**
 * A job's training data, read from its data set and checked against the shape and classes the run was
 * made for. The trainer process reads it itself; for the hidden trainer window (which has no file
 * access) the main side reads it and sends it along.
 */
import { loadDataset, type Split } from '../datasets/index.ts';
import type { TrainerJob } from '../../trainer/protocol.ts';

export async function loadJobData(job: TrainerJob): Promise<{ train: Split; test: Split }> {
  const { config, datasetPath: path } = job;
  const { description, train, test } = await loadDataset(path, { trainLimit: config.trainLimit, testLimit: config.testLimit });
  const [shape, madeFor] = [description.shape.join('×'), job.inputShape.join('×')];
  if (shape !== madeFor) throw new Error(`${path}: images are ${shape}, but run #${job.runId} was made for ${madeFor}`);
  if (description.classes.length !== job.classes) {
    throw new Error(`${path}: ${description.classes.length} classes, but run #${job.runId} was made for ${job.classes}`);
  }
  return { train, test };
}
