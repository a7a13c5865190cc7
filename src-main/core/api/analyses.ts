import type { Handlers, MethodsOf } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

export function analysisHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'analyses'>> {
  return {
    'analyses.layers': ({ runId, probes, threshold }) => ctx.analyses.layers(runId, { probes, threshold }),
    'analyses.similarity': ({ runId, layer, probes }) => ctx.analyses.similarity(runId, layer, probes),
    'analyses.filters': ({ runId, layer, what, steps, threshold }) => ctx.filters.layer(runId, { layer, what, steps, threshold }),
  };
}
