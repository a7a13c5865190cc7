/**
 * Groups: one experiment (a plain run, or the freeze experiment's pair) repeated over seeds, its members
 * trained side by side (./parallel.ts) by this core's trainers, each snapshot stored by the core as for any
 * run. Stop, resume and remove act on every member; a group whose process was killed resumes every member
 * that had not finished, each from its own last snapshot.
 */
import { ApiError, type BackendInfo, type GroupArm, type GroupKind, type GroupMember, type GroupSummary, type RunConfig, type RunStatus } from '../../../src-preload/api.ts';
import { accuracyByEpoch, changeByEpoch, groupFigures } from '../../shared/groups.ts';
import type { CoreContext } from '../api/context.ts';
import { checkDataset, requireDataset } from '../dataset-registry.ts';
import { createGroup, getGroup, groupRunIds, listGroups, removeGroupRow, setGroupPlan, type StoredGroup } from '../store/groups.ts';
import { readResumeState } from '../store/resume.ts';
import { claimRun, getRun, getStoredRun, markInterruptedRuns, removeRun, updateRun, type StoredRun } from '../store/runs.ts';
import { runGroup } from '../work/queue.ts';
import { parallelPlan } from './parallel.ts';
import { availableDataset, backendFor, newRun, trainedElsewhere, type TrainingContext } from './service.ts';

const FROZEN = ['conv1', 'conv2'] as const;

/** A member's settings: the group's, with its seed, and in a freeze group its arm's frozen layers. */
function memberConfig(config: RunConfig, seed: number, arm: GroupArm): RunConfig {
  if (arm === 'plain') return { ...config, seed };
  return { ...config, seed, freeze: arm === 'frozen' ? [...FROZEN] : [] };
}

const armOf = (kind: GroupKind, run: Pick<StoredRun, 'config'>): GroupArm =>
  kind === 'plain' ? 'plain' : run.config.freeze.length > 0 ? 'frozen' : 'trained';

function requireGroup(ctx: Pick<TrainingContext, 'db'>, id: number): StoredGroup {
  const group = getGroup(ctx.db, id);
  if (!group) throw new ApiError('not-found', `no group #${id}`, 'id');
  return group;
}

/** Running while any member trains; else the worst way one ended (failed, interrupted, stopped), else done. */
function groupStatus(statuses: RunStatus[]): RunStatus {
  for (const status of ['running', 'failed', 'interrupted', 'stopped'] as const) if (statuses.includes(status)) return status;
  return 'done';
}

export function groupSummary(ctx: Pick<TrainingContext, 'db'>, id: number): GroupSummary {
  const group = requireGroup(ctx, id);
  const runs = groupRunIds(ctx.db, id).map((runId) => getRun(ctx.db, runId)!);
  const epochs = runs[0]?.config.epochs ?? 0;
  const members: GroupMember[] = runs.map((run) => ({
    runId: run.id,
    seed: run.config.seed,
    arm: armOf(group.kind, run),
    status: run.status,
    epochsDone: run.epochsDone,
    ...accuracyByEpoch(run.snapshots, epochs),
    change: changeByEpoch(run.snapshots, epochs),
  }));
  return {
    id,
    name: group.name,
    kind: group.kind,
    seeds: group.seeds,
    datasetName: runs[0]?.datasetName ?? '',
    epochs,
    status: groupStatus(members.map((m) => m.status)),
    createdAt: group.createdAt,
    plan: group.plan,
    members,
    ...groupFigures(group.kind, members, epochs),
  };
}

export const listGroupSummaries = (ctx: Pick<TrainingContext, 'db'>) => listGroups(ctx.db).map((g) => groupSummary(ctx, g.id));

export async function startGroup(
  ctx: TrainingContext,
  input: { datasetId: number; name?: string; kind: GroupKind; seeds: number[]; config: RunConfig },
): Promise<GroupSummary> {
  const dataset = await availableDataset(ctx, input.datasetId);
  const backend = await backendFor(ctx, input.config, dataset);
  const arms: GroupArm[] = input.kind === 'freeze' ? ['trained', 'frozen'] : ['plain'];
  const what = input.kind === 'freeze' ? 'freeze experiment' : `${input.config.optimizer} ${input.config.learningRate}`;
  const name = input.name ?? `${dataset.name} · ${what} · ${input.seeds.length} seeds`;
  // The group and all its members at once: a group is never seen half made.
  const { groupId, runIds } = ctx.db
    .transaction(() => {
      const groupId = createGroup(ctx.db, { name, kind: input.kind, seeds: input.seeds });
      const runIds = input.seeds.flatMap((seed) => arms.map((arm) => newRun(ctx, dataset, memberConfig(input.config, seed, arm), undefined, groupId)));
      return { groupId, runIds };
    })
    .immediate();
  train(ctx, groupId, runIds, backend);
  return groupSummary(ctx, groupId);
}

/** Hands the runs (each `running`, claimed by this process) to this core's trainers, as many at once as the rule says. */
function train(ctx: TrainingContext, groupId: number, runIds: number[], backend: BackendInfo): void {
  if (runIds.length === 0) return;
  const plan = parallelPlan(backend, runIds.length);
  setGroupPlan(ctx.db, groupId, plan.text);
  ctx.trainers.startPool(runIds, plan);
}

export async function stopGroup(ctx: TrainingContext, id: number): Promise<GroupSummary> {
  requireGroup(ctx, id);
  const runIds = groupRunIds(ctx.db, id);
  markInterruptedRuns(ctx.db); // a member whose process died is no longer running
  const elsewhere = runIds.map((r) => getStoredRun(ctx.db, r)!).find((r) => r.status === 'running' && !ctx.trainers.owns(r.id));
  if (elsewhere) throw trainedElsewhere(ctx, elsewhere, 'stop it there');
  await ctx.trainers.stopMany(runIds);
  return groupSummary(ctx, id);
}

/** Carries on every member that has not finished, each from its last snapshot (a member never started starts). */
export async function resumeGroup(ctx: TrainingContext, id: number): Promise<GroupSummary> {
  requireGroup(ctx, id);
  markInterruptedRuns(ctx.db);
  const runs = groupRunIds(ctx.db, id).map((r) => getStoredRun(ctx.db, r)!);
  const running = runs.find((r) => r.status === 'running');
  if (running) throw trainedElsewhere(ctx, running, 'stop it there, or let it finish');
  const left = runs.filter((r) => r.status !== 'done');
  if (left.length === 0) throw new ApiError('conflict', `group #${id} has already trained all its runs`, 'id');
  const first = left[0]!;
  if (first.datasetId === null) throw new ApiError('unavailable', `the data set of group #${id} was removed`, 'id');
  const dataset = await checkDataset(requireDataset(ctx.db, first.datasetId));
  if (!dataset.available) {
    throw new ApiError('unavailable', `group #${id} cannot resume: its data set "${dataset.name}" is not as it was: ${dataset.problem}`, 'id');
  }
  const backend = await backendFor(ctx, first.config, dataset);
  const claimed: number[] = [];
  for (const run of left) {
    const state = readResumeState(ctx.db, run.id);
    if (state && state.epoch >= run.config.epochs) {
      // Its last epoch was stored but the process died before saying so.
      updateRun(ctx.db, run.id, { status: 'done', error: null });
    } else if (claimRun(ctx.db, run.id, process.pid)) claimed.push(run.id);
    ctx.emit('run.changed', { runId: run.id });
  }
  train(ctx, id, claimed, backend);
  return groupSummary(ctx, id);
}

/**
 * Removes the group and every member with its snapshots, unless one of them trains (here or in another process);
 * their background work, where this core has any (`work`), is cancelled.
 */
export function deleteGroup(ctx: TrainingContext & Partial<Pick<CoreContext, 'work'>>, id: number): void {
  requireGroup(ctx, id);
  const runIds = groupRunIds(ctx.db, id);
  const mine = runIds.find((r) => ctx.trainers.owns(r));
  if (mine !== undefined) throw new ApiError('conflict', `group #${id} is training (run #${mine}); stop it before removing it`, 'id');
  markInterruptedRuns(ctx.db);
  ctx.db
    .transaction(() => {
      for (const runId of runIds) {
        const run = getStoredRun(ctx.db, runId)!;
        if (run.status === 'running') throw trainedElsewhere(ctx, run, 'stop it there before removing it');
        removeRun(ctx.db, runId);
      }
      removeGroupRow(ctx.db, id);
    })
    .immediate();
  for (const runId of runIds) {
    ctx.work?.cancel(runGroup(runId), `run #${runId} was removed`);
    ctx.emit('run.changed', { runId });
  }
}
