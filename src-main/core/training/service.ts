/**
 * Starting, stopping and resuming runs: what `runs.*` in the API and `weightlapse train` share.
 *
 * Bad input changes nothing: an unknown data set is `not-found`, a data set whose files are gone or
 * changed is `unavailable`, and neither leaves a run behind. Problems found only by the trainer (a
 * backend that fails to start, a file that breaks mid-read) leave a `failed` run with the message.
 *
 * Several processes may share one database (two windows, the CLI training while `serve` browses): a run
 * is trained by one process only. Resuming claims the run in one statement, so of two processes resuming
 * it at once one trains and the other is told who does; a run another process trains cannot be stopped
 * or removed from here.
 */
import { ApiError, type BackendInfo, type RunConfig, type RunSummary } from '../../../src-preload/api.ts';
import type { CoreContext } from '../api/context.ts';
import { checkDataset, requireDataset } from '../dataset-registry.ts';
import type { StoredDataset } from '../store/datasets.ts';
import { readResumeState } from '../store/resume.ts';
import { claimRun, createRun, getRunSummary, getStoredRun, markInterruptedRuns, removeRun, runProcessAlive, updateRun, type StoredRun } from '../store/runs.ts';
import type { TrainerJob } from '../../trainer/protocol.ts';
import { trainerJob } from './job.ts';
import { runGroup } from '../work/queue.ts';

/** What training needs of a core: its database, its events and its trainers. */
export type TrainingContext = Pick<CoreContext, 'db' | 'emit' | 'trainers'>;

export async function availableDataset(ctx: TrainingContext, datasetId: number): Promise<StoredDataset> {
  const info = await checkDataset(requireDataset(ctx.db, datasetId));
  if (!info.available) throw new ApiError('unavailable', info.problem ?? `data set #${datasetId} is not available`, 'datasetId');
  return info;
}

/**
 * What trains a run with this config on these images, chosen before the run exists, so that a backend
 * asked for by name that cannot start leaves nothing stored.
 */
export async function backendFor(ctx: TrainingContext, config: RunConfig, dataset: Pick<StoredDataset, 'shape' | 'classes'>): Promise<BackendInfo> {
  const geometry = { shape: dataset.shape, classes: dataset.classes.length, batchSize: config.batchSize };
  try {
    return await ctx.trainers.backend({ choice: config.backend, geometry });
  } catch (err) {
    if (err instanceof ApiError && err.field === 'backend') throw new ApiError(err.code, err.message, 'config.backend');
    throw err;
  }
}

export function defaultRunName(dataset: { name: string }, config: RunConfig): string {
  const frozen = config.freeze.length ? `, ${config.freeze.join('+')} frozen` : '';
  return `${dataset.name} · ${config.optimizer} ${config.learningRate} · seed ${config.seed}${frozen}`;
}

/** The refusal for a run that another process trains, naming it (or this process, when it trains it). */
export function trainedElsewhere(ctx: TrainingContext, run: StoredRun, then: string): ApiError {
  if (ctx.trainers.owns(run.id)) return new ApiError('conflict', `run #${run.id} is training here; stop it first`, 'id');
  const who = run.pid === null ? 'another Weightlapse process' : `another Weightlapse process (pid ${run.pid})`;
  return new ApiError('conflict', `run #${run.id} is being trained by ${who}; ${then}`, 'id');
}

function requireRun(ctx: TrainingContext, runId: number): StoredRun {
  const run = getStoredRun(ctx.db, runId);
  if (!run) throw new ApiError('not-found', `no run #${runId}`, 'id');
  return run;
}

function summary(ctx: TrainingContext, runId: number): RunSummary {
  const run = getRunSummary(ctx.db, runId);
  if (!run) throw new ApiError('not-found', `no run #${runId}`, 'id');
  return run;
}

/** Creates a `running` run owned by this process (its trainer starts now or when queued). */
export function newRun(ctx: TrainingContext, dataset: StoredDataset, config: RunConfig, name?: string, groupId?: number): number {
  const runId = createRun(ctx.db, {
    name: name ?? defaultRunName(dataset, config),
    datasetId: dataset.id,
    datasetName: dataset.name,
    datasetPath: dataset.path,
    inputShape: dataset.shape,
    classes: dataset.classes,
    config,
    pid: process.pid,
    groupId,
  });
  ctx.emit('run.changed', { runId });
  return runId;
}

export async function startRun(ctx: TrainingContext, input: { datasetId: number; name?: string; config: RunConfig }): Promise<RunSummary> {
  const dataset = await availableDataset(ctx, input.datasetId);
  const backend = await backendFor(ctx, input.config, dataset);
  const runId = newRun(ctx, dataset, input.config, input.name);
  ctx.trainers.start({ ...trainerJob(ctx.db, runId), backend });
  return summary(ctx, runId);
}

/** The study's experiment: the same seed and settings twice, the second with conv1 and conv2 frozen. */
export async function startFreezeExperiment(
  ctx: TrainingContext,
  input: { datasetId: number; config: RunConfig },
): Promise<{ trained: RunSummary; frozen: RunSummary }> {
  const [trained, frozen] = await startTwins(ctx, input.datasetId, { ...input.config, freeze: [] }, { ...input.config, freeze: ['conv1', 'conv2'] });
  return { trained, frozen };
}

/**
 * The noisy-labels experiment (issue 26): the same seed and settings twice, the second with `share` of its
 * training labels flipped (seeded; the data set on disk untouched), so that the example ledgers of the two
 * show where the flipped images sit.
 */
export async function startNoisyLabelsExperiment(
  ctx: TrainingContext,
  input: { datasetId: number; config: RunConfig; share: number },
): Promise<{ clean: RunSummary; noisy: RunSummary }> {
  const { labelNoise: _, ...config } = input.config;
  const [clean, noisy] = await startTwins(ctx, input.datasetId, config, { ...config, labelNoise: input.share });
  return { clean, noisy };
}

/** Two runs on one data set, one after the other on the backend chosen for the first. */
async function startTwins(ctx: TrainingContext, datasetId: number, first: RunConfig, second: RunConfig): Promise<[RunSummary, RunSummary]> {
  const dataset = await availableDataset(ctx, datasetId);
  const backend = await backendFor(ctx, first, dataset);
  const a = newRun(ctx, dataset, first);
  const b = newRun(ctx, dataset, second);
  ctx.trainers.startPool([a, b], { parallel: 1, backend });
  return [summary(ctx, a), summary(ctx, b)];
}

export async function stopRun(ctx: TrainingContext, runId: number): Promise<RunSummary> {
  const run = requireRun(ctx, runId);
  if (ctx.trainers.owns(runId)) {
    await ctx.trainers.stop(runId);
  } else if (run.status === 'running') {
    if (runProcessAlive(run)) throw trainedElsewhere(ctx, run, 'stop it there');
    markInterruptedRuns(ctx.db);
  }
  return summary(ctx, runId);
}

/** Removes a run with all its snapshots, unless a process (this one or another) trains it; its background work is cancelled. */
export function deleteRun(ctx: TrainingContext & Pick<CoreContext, 'work'>, runId: number): void {
  requireRun(ctx, runId);
  if (ctx.trainers.owns(runId)) throw new ApiError('conflict', `run #${runId} is training; stop it before removing it`, 'id');
  markInterruptedRuns(ctx.db); // a run whose process died may go
  // Looked at and removed under the write lock: no other process can start training it in between.
  ctx.db
    .transaction(() => {
      const run = requireRun(ctx, runId);
      if (run.status === 'running') throw trainedElsewhere(ctx, run, 'stop it there before removing it');
      removeRun(ctx.db, runId);
    })
    .immediate();
  ctx.work.cancel(runGroup(runId), `run #${runId} was removed`);
  ctx.emit('run.changed', { runId });
}

/** Carries on from the last snapshot (optimizer state included) up to the configured epochs. */
export async function resumeRun(ctx: TrainingContext, runId: number): Promise<RunSummary> {
  requireRun(ctx, runId);
  markInterruptedRuns(ctx.db);
  const run = requireRun(ctx, runId);
  if (run.status === 'running') throw trainedElsewhere(ctx, run, 'stop it there, or let it finish');
  if (run.status === 'done') throw new ApiError('conflict', `run #${runId} has already trained all its ${run.config.epochs} epochs`, 'id');
  const state = readResumeState(ctx.db, runId);
  if (state && state.epoch >= run.config.epochs) {
    // Its last epoch was stored but the process died before saying so: nothing is left to train.
    updateRun(ctx.db, runId, { status: 'done', error: null });
    ctx.emit('run.changed', { runId });
    return summary(ctx, runId);
  }
  if (run.datasetId === null) throw new ApiError('unavailable', `the data set of run #${runId} was removed`, 'id');
  const dataset = await checkDataset(requireDataset(ctx.db, run.datasetId));
  if (!dataset.available) {
    throw new ApiError(
      'unavailable',
      `run #${runId} cannot resume: its data set "${dataset.name}" is not as it was: ${dataset.problem}. Put it back, or locate it on the Data sets page.`,
      'id',
    );
  }
  const backend = await backendFor(ctx, run.config, dataset);
  if (!claimRun(ctx.db, runId, process.pid)) throw trainedElsewhere(ctx, requireRun(ctx, runId), 'stop it there, or let it finish');
  let job: TrainerJob;
  try {
    job = { ...trainerJob(ctx.db, runId), backend };
  } catch (err) {
    // A run that cannot resume (its stored start point does not read) stays as it was.
    updateRun(ctx.db, runId, { status: run.status, error: run.error, pid: null });
    throw err;
  }
  ctx.emit('run.changed', { runId });
  ctx.trainers.start(job);
  return summary(ctx, runId);
}
