import { notImplemented, type Handlers } from '../../../src-preload/api.ts';
import type { CoreContext } from './context.ts';

type DatasetMethods = 'datasets.list' | 'datasets.inspect' | 'datasets.add' | 'datasets.samples' | 'datasets.remove';

export function datasetHandlers(_ctx: CoreContext): Pick<Handlers, DatasetMethods> {
  return {
    'datasets.list': () => notImplemented('datasets.list'),
    'datasets.inspect': () => notImplemented('datasets.inspect'),
    'datasets.add': () => notImplemented('datasets.add'),
    'datasets.samples': () => notImplemented('datasets.samples'),
    'datasets.remove': () => notImplemented('datasets.remove'),
  };
}
