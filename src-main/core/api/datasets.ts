import { ApiError, type Handlers } from '../../../src-preload/api.ts';
import { inspectDataset } from '../datasets/index.ts';
import { addDatasetFromDisk, datasetSamples, listDatasetInfos, relocateDataset, requireDataset } from '../datasets/registry.ts';
import { removeDataset } from '../store/datasets.ts';
import type { CoreContext } from './context.ts';

type DatasetMethods = 'datasets.list' | 'datasets.inspect' | 'datasets.add' | 'datasets.samples' | 'datasets.remove' | 'datasets.locate';

export function datasetHandlers(ctx: CoreContext): Pick<Handlers, DatasetMethods> {
  return {
    'datasets.list': () => listDatasetInfos(ctx.db),
    'datasets.inspect': ({ path }) => inspectDataset(path),
    'datasets.add': async ({ path, name }) => {
      const info = await addDatasetFromDisk(ctx.db, path, { name });
      ctx.emit('datasets.changed', {});
      return info;
    },
    'datasets.samples': ({ id, perClass }) => datasetSamples(ctx.db, id, perClass),
    'datasets.remove': ({ id }) => {
      if (requireDataset(ctx.db, id).bundled) {
        // It would come back on the next start anyway; it costs nothing to keep.
        throw new ApiError('conflict', 'the bundled sample data set cannot be removed', 'id');
      }
      removeDataset(ctx.db, id);
      ctx.emit('datasets.changed', {});
    },
    'datasets.locate': async ({ id, path }) => {
      const info = await relocateDataset(ctx.db, id, path);
      ctx.emit('datasets.changed', {});
      return info;
    },
  };
}
