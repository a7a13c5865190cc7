import { notImplemented, type Handlers } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

type RunMethods =
  | 'runs.list'
  | 'runs.get'
  | 'runs.start'
  | 'runs.freezeExperiment'
  | 'runs.stop'
  | 'runs.resume'
  | 'runs.rename'
  | 'runs.remove';

export function runHandlers(_ctx: CoreContext): Pick<Handlers, RunMethods> {
  return {
    'runs.list': () => notImplemented('runs.list'),
    'runs.get': () => notImplemented('runs.get'),
    'runs.start': () => notImplemented('runs.start'),
    'runs.freezeExperiment': () => notImplemented('runs.freezeExperiment'),
    'runs.stop': () => notImplemented('runs.stop'),
    'runs.resume': () => notImplemented('runs.resume'),
    'runs.rename': () => notImplemented('runs.rename'),
    'runs.remove': () => notImplemented('runs.remove'),
  };
}
