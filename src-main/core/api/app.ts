import { notImplemented, type Handlers } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

export function appHandlers(_ctx: CoreContext): Pick<Handlers, 'app.info'> {
  return {
    'app.info': () => notImplemented('app.info'),
  };
}
