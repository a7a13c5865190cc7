import { ApiError, type Handlers, type MethodsOf } from '../../../src-preload/api.ts';
import { getRun, getRunSummary, listRuns, updateRun } from '../store/runs.ts';
import { deleteRun, resumeRun, startFreezeExperiment, startNoisyLabelsExperiment, startRun, stopRun } from '../training/service.ts';
import type { CoreContext } from './context.ts';

const notFound = (id: number) => new ApiError('not-found', `no run #${id}`, 'id');

export function runHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'runs'>> {
  return {
    'runs.list': () => listRuns(ctx.db),
    'runs.get': ({ id }) => {
      const run = getRun(ctx.db, id);
      if (!run) throw notFound(id);
      return run;
    },
    'runs.start': (input) => startRun(ctx, input),
    'runs.freezeExperiment': (input) => startFreezeExperiment(ctx, input),
    'runs.noisyLabelsExperiment': (input) => startNoisyLabelsExperiment(ctx, input),
    'runs.stop': ({ id }) => stopRun(ctx, id),
    'runs.resume': ({ id }) => resumeRun(ctx, id),
    'runs.rename': ({ id, name }) => {
      if (!getRunSummary(ctx.db, id)) throw notFound(id);
      updateRun(ctx.db, id, { name });
      ctx.emit('run.changed', { runId: id });
      return getRunSummary(ctx.db, id)!;
    },
    'runs.remove': ({ id }) => deleteRun(ctx, id),
  };
}
