import { notImplemented, type Handlers } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

export function weightHandlers(_ctx: CoreContext): Pick<Handlers, 'weights.get' | 'weights.series' | 'metrics.get'> {
  return {
    'weights.get': () => notImplemented('weights.get'),
    'weights.series': () => notImplemented('weights.series'),
    'metrics.get': () => notImplemented('metrics.get'),
  };
}
