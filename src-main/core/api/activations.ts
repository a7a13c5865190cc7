import type { Handlers, MethodsOf } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

export function activationHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'activations'>> {
  const service = () => ctx.activations;
  return {
    'activations.pins': ({ runId }) => service().pins(runId),
    'activations.setPins': ({ runId, indices }) => service().setPins(runId, indices),
    'activations.maps': ({ runId, seq, inputs, diff }) => service().mapsAt(runId, seq, { inputs, diff }),
    'activations.classes': ({ runId }) => service().classes(runId),
    'activations.mistakes': ({ runId, seq, limit }) => service().mistakes(runId, seq, limit),
  };
}
