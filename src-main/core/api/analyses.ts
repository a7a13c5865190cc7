import type { Handlers, MethodsOf } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

export function analysisHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'analyses'>> {
  return {
    'analyses.layers': ({ runId, probes, threshold }) => ctx.analyses.layers(runId, { probes, threshold }),
    'analyses.similarity': ({ runId, layer, probes }) => ctx.analyses.similarity(runId, layer, probes),
    'analyses.cross': ({ a, b, probes }) => ctx.analyses.cross(a, b, probes),
    'analyses.rewind': ({ runId }) => ctx.analyses.rewind.map(runId),
    'analyses.linear': ({ runId }) => ctx.analyses.linear.share(runId),
    'analyses.examples': ({ runId, seq }) => ctx.examples.table(runId, seq),
    'analyses.exampleSeries': ({ runId, indices }) => ctx.examples.series(runId, indices),
    'analyses.filters': ({ runId, layer, what, steps, threshold }) => ctx.filters.layer(runId, { layer, what, steps, threshold }),
  };
}
