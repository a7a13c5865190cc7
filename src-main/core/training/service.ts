/**
 * Starting, stopping and resuming runs: what `runs.*` in the API and `weightlapse train` share.
 *
 * Bad input changes nothing: an unknown data set is `not-found`, a data set whose files are gone or
 * changed is `unavailable`, and neither leaves a run behind. Problems found only by the trainer (a
 * backend that fails to start, a file that breaks mid-read) leave a `failed` run with the message.
 */
import { ApiError, type RunConfig, type RunSummary } from '../../../src-preload/api.ts';
import type { CoreContext } from '../api/context.ts';
import { checkDataset, requireDataset } from '../datasets/registry.ts';
import type { StoredDataset } from '../store/datasets.ts';
import { readResumeState } from '../store/resume.ts';
import { createRun, getRunSummary, getStoredRun, markInterruptedRuns, runProcessAlive, updateRun } from '../store/runs.ts';
import { trainerJob } from './job.ts';

/** What training needs of a core: its database, its events and its trainers. */
export type TrainingContext = Pick<CoreContext, 'db' | 'emit' | 'trainers'>;

async function availableDataset(ctx: TrainingContext, datasetId: number): Promise<StoredDataset> {
  const info = await checkDataset(requireDataset(ctx.db, datasetId));
  if (!info.available) throw new ApiError('unavailable', info.problem ?? `data set #${datasetId} is not available`, 'datasetId');
  return info;
}

export function defaultRunName(dataset: { name: string }, config: RunConfig): string {
  const frozen = config.freeze.length ? `, ${config.freeze.join('+')} frozen` : '';
  return `${dataset.name} · ${config.optimizer} ${config.learningRate} · seed ${config.seed}${frozen}`;
}

function summary(ctx: TrainingContext, runId: number): RunSummary {
  const run = getRunSummary(ctx.db, runId);
  if (!run) throw new ApiError('not-found', `no run #${runId}`, 'id');
  return run;
}

/** Creates a `running` run owned by this process (its trainer starts now or when queued). */
function newRun(ctx: TrainingContext, dataset: StoredDataset, config: RunConfig, name?: string): number {
  const runId = createRun(ctx.db, {
    name: name ?? defaultRunName(dataset, config),
    datasetId: dataset.id,
    datasetName: dataset.name,
    datasetPath: dataset.path,
    inputShape: dataset.shape,
    classes: dataset.classes,
    config,
    pid: process.pid,
  });
  ctx.emit('run.changed', { runId });
  return runId;
}

export async function startRun(ctx: TrainingContext, input: { datasetId: number; name?: string; config: RunConfig }): Promise<RunSummary> {
  const dataset = await availableDataset(ctx, input.datasetId);
  const runId = newRun(ctx, dataset, input.config, input.name);
  ctx.trainers.start(trainerJob(ctx.db, runId));
  return summary(ctx, runId);
}

/** The study's experiment: the same seed and settings twice, the second with conv1 and conv2 frozen. */
export async function startFreezeExperiment(
  ctx: TrainingContext,
  input: { datasetId: number; config: RunConfig },
): Promise<{ trained: RunSummary; frozen: RunSummary }> {
  const dataset = await availableDataset(ctx, input.datasetId);
  const trained = newRun(ctx, dataset, { ...input.config, freeze: [] });
  const frozen = newRun(ctx, dataset, { ...input.config, freeze: ['conv1', 'conv2'] });
  ctx.trainers.start(trainerJob(ctx.db, trained));
  ctx.trainers.queue(frozen, trained);
  return { trained: summary(ctx, trained), frozen: summary(ctx, frozen) };
}

export async function stopRun(ctx: TrainingContext, runId: number): Promise<RunSummary> {
  const run = getStoredRun(ctx.db, runId);
  if (!run) throw new ApiError('not-found', `no run #${runId}`, 'id');
  if (ctx.trainers.owns(runId)) {
    await ctx.trainers.stop(runId);
  } else if (run.status === 'running') {
    if (runProcessAlive(run)) {
      throw new ApiError('conflict', `run #${runId} is trained by another Weightlapse process (pid ${run.pid}); stop it there`, 'id');
    }
    markInterruptedRuns(ctx.db);
  }
  return summary(ctx, runId);
}

/** Carries on from the last snapshot (optimizer state included) up to the configured epochs. */
export async function resumeRun(ctx: TrainingContext, runId: number): Promise<RunSummary> {
  if (!getStoredRun(ctx.db, runId)) throw new ApiError('not-found', `no run #${runId}`, 'id');
  markInterruptedRuns(ctx.db);
  const run = getStoredRun(ctx.db, runId)!;
  if (run.status === 'running') throw new ApiError('conflict', `run #${runId} is still training`, 'id');
  if (run.status === 'done') throw new ApiError('conflict', `run #${runId} has already trained all its ${run.config.epochs} epochs`, 'id');
  const state = readResumeState(ctx.db, runId);
  if (state && state.epoch >= run.config.epochs) {
    // Its last epoch was stored but the process died before saying so: nothing is left to train.
    updateRun(ctx.db, runId, { status: 'done', error: null });
    ctx.emit('run.changed', { runId });
    return summary(ctx, runId);
  }
  if (run.datasetId === null) throw new ApiError('unavailable', `the data set of run #${runId} was removed`, 'id');
  await availableDataset(ctx, run.datasetId);
  const job = trainerJob(ctx.db, runId); // reads the start point first: a run that cannot resume stays as it is
  updateRun(ctx.db, runId, { status: 'running', error: null, pid: process.pid });
  ctx.emit('run.changed', { runId });
  ctx.trainers.start(job);
  return summary(ctx, runId);
}
