/**
 * Starting, stopping and resuming runs: what `runs.*` in the API and `weightlapse train` share.
 *
 * Bad input changes nothing: an unknown data set is `not-found`, a data set whose files are gone or
 * changed is `unavailable`, and neither leaves a run behind. Problems found only by the trainer (a
 * backend that fails to start, a file that breaks mid-read) leave a `failed` run with the message.
 */
import { ApiError, type BackendInfo, type RunConfig, type RunSummary } from '../../../src-preload/api.ts';
import { checkDataset, requireDataset } from '../datasets/registry.ts';
import type { StoredDataset } from '../store/datasets.ts';
import { readResumeState } from '../store/resume.ts';
import { createRun, getRunRow, getRunSummary, markInterruptedRuns, processAlive, updateRun } from '../store/runs.ts';
import { resolveBackend } from './probe.ts';
import { forkTrainer } from './spawn.ts';
import { trainersOf, type TrainerContext } from './trainers.ts';

async function availableDataset(ctx: TrainerContext, datasetId: number): Promise<StoredDataset> {
  const info = await checkDataset(requireDataset(ctx.db, datasetId));
  if (!info.available) throw new ApiError('unavailable', info.problem ?? `data set #${datasetId} is not available`, 'datasetId');
  return info;
}

/**
 * What trains a run with this config on these images, chosen before the run exists, so that a backend
 * asked for by name that cannot start leaves nothing stored.
 */
async function backendFor(ctx: TrainerContext, config: RunConfig, dataset: Pick<StoredDataset, 'shape' | 'classes'>): Promise<BackendInfo> {
  const geometry = { shape: dataset.shape, classes: dataset.classes.length, batchSize: config.batchSize };
  try {
    return await resolveBackend({ dbPath: ctx.dbPath, spawn: ctx.spawnTrainer ?? forkTrainer() }, { choice: config.backend, geometry });
  } catch (err) {
    if (err instanceof ApiError && err.field === 'backend') throw new ApiError(err.code, err.message, 'config.backend');
    throw err;
  }
}

export function defaultRunName(dataset: { name: string }, config: RunConfig): string {
  const frozen = config.freeze.length ? `, ${config.freeze.join('+')} frozen` : '';
  return `${dataset.name} · ${config.optimizer} ${config.learningRate} · seed ${config.seed}${frozen}`;
}

function summary(ctx: TrainerContext, runId: number): RunSummary {
  const run = getRunSummary(ctx.db, runId);
  if (!run) throw new ApiError('not-found', `no run #${runId}`, 'id');
  return run;
}

/** Creates a `running` run owned by this process (its trainer starts now or when queued). */
function newRun(ctx: TrainerContext, dataset: StoredDataset, config: RunConfig, name?: string): number {
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

export async function startRun(ctx: TrainerContext, input: { datasetId: number; name?: string; config: RunConfig }): Promise<RunSummary> {
  const dataset = await availableDataset(ctx, input.datasetId);
  const backend = await backendFor(ctx, input.config, dataset);
  const runId = newRun(ctx, dataset, input.config, input.name);
  trainersOf(ctx).start(runId, backend);
  return summary(ctx, runId);
}

/** The study's experiment: the same seed and settings twice, the second with conv1 and conv2 frozen. */
export async function startFreezeExperiment(
  ctx: TrainerContext,
  input: { datasetId: number; config: RunConfig },
): Promise<{ trained: RunSummary; frozen: RunSummary }> {
  const dataset = await availableDataset(ctx, input.datasetId);
  const backend = await backendFor(ctx, input.config, dataset);
  const trained = newRun(ctx, dataset, { ...input.config, freeze: [] });
  const frozen = newRun(ctx, dataset, { ...input.config, freeze: ['conv1', 'conv2'] });
  const trainers = trainersOf(ctx);
  trainers.start(trained, backend);
  trainers.queue(frozen, trained, backend);
  return { trained: summary(ctx, trained), frozen: summary(ctx, frozen) };
}

export async function stopRun(ctx: TrainerContext, runId: number): Promise<RunSummary> {
  const row = getRunRow(ctx.db, runId);
  if (!row) throw new ApiError('not-found', `no run #${runId}`, 'id');
  const trainers = trainersOf(ctx);
  if (trainers.owns(runId)) {
    await trainers.stop(runId);
  } else if (row.status === 'running') {
    if (row.pid !== null && processAlive(row.pid)) {
      throw new ApiError('conflict', `run #${runId} is trained by another Weightlapse process (pid ${row.pid}); stop it there`, 'id');
    }
    markInterruptedRuns(ctx.db);
  }
  return summary(ctx, runId);
}

/** Carries on from the last snapshot (optimizer state included) up to the configured epochs. */
export async function resumeRun(ctx: TrainerContext, runId: number): Promise<RunSummary> {
  const row = getRunRow(ctx.db, runId);
  if (!row) throw new ApiError('not-found', `no run #${runId}`, 'id');
  markInterruptedRuns(ctx.db);
  const status = getRunRow(ctx.db, runId)!.status;
  if (status === 'running') throw new ApiError('conflict', `run #${runId} is still training`, 'id');
  const config = JSON.parse(row.config) as RunConfig;
  const state = readResumeState(ctx.db, runId)?.state as { epoch: number; batch: number } | undefined;
  if (status === 'done') throw new ApiError('conflict', `run #${runId} has already trained all its ${config.epochs} epochs`, 'id');
  if (state && state.epoch >= config.epochs) {
    // Its last epoch was stored but the process died before saying so: nothing is left to train.
    updateRun(ctx.db, runId, { status: 'done', error: null });
    ctx.emit('run.changed', { runId });
    return summary(ctx, runId);
  }
  if (row.dataset_id === null) throw new ApiError('unavailable', `the data set of run #${runId} was removed`, 'id');
  const backend = await backendFor(ctx, config, await availableDataset(ctx, row.dataset_id));
  updateRun(ctx.db, runId, { status: 'running', error: null, pid: process.pid });
  ctx.emit('run.changed', { runId });
  trainersOf(ctx).start(runId, backend);
  return summary(ctx, runId);
}
