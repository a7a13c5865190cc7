import type { Handlers, MethodsOf } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

export function analysisHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'analyses'>> {
  return {
    'analyses.layers': ({ runId, probes, threshold }) => ctx.analyses.layers(runId, { probes, threshold }),
    'analyses.similarity': ({ runId, layer, probes }) => ctx.analyses.similarity(runId, layer, probes),
    'analyses.cross': ({ a, b, probes }) => ctx.analyses.cross(a, b, probes),
    'analyses.rewind': ({ runId }) => ctx.analyses.rewind.map(runId),
    'analyses.linear': ({ runId }) => ctx.analyses.linear.share(runId),
    'analyses.examples': ({ runId, seq, source }) => ctx.examples.table(runId, seq, source),
    'analyses.computeExamples': ({ runId }) => ctx.examples.compute(runId).progress,
    'analyses.exampleSeries': ({ runId, indices, source }) => ctx.examples.series(runId, indices, source),
    'analyses.filters': ({ runId, layer, what, steps, threshold }) => ctx.filters.layer(runId, { layer, what, steps, threshold }),
  };
}
