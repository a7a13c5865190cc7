import { ApiError, type DatasetProgress, type Handlers, type MethodsOf } from '../../../src-preload/api.ts';
import { preparedDir } from '../../datasets/images/prepare.ts';
import { inspectDataset } from '../../datasets/index.ts';
import { addDatasetFromDisk, datasetSamples, forgetDataset, listDatasetInfos, relocateDataset, requireDataset } from '../dataset-registry.ts';
import type { CoreContext } from './context.ts';

export function datasetHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'datasets'>> {
  // Preparing a folder of images takes a while: the page shows how far it got.
  const onProgress = (progress: DatasetProgress) => ctx.emit('datasets.progress', progress);
  return {
    'datasets.list': () => listDatasetInfos(ctx.db),
    'datasets.inspect': ({ path, images }) => inspectDataset(path, { images, preparedDir: preparedDir(ctx.db.name), onProgress }),
    'datasets.add': async ({ path, name, images }) => {
      const info = await addDatasetFromDisk(ctx.db, path, { name, images, onProgress });
      ctx.emit('datasets.changed', {});
      return info;
    },
    'datasets.samples': ({ id, perClass }) => datasetSamples(ctx.db, id, perClass),
    'datasets.remove': async ({ id }) => {
      if (requireDataset(ctx.db, id).bundled) {
        // It would come back on the next start anyway; it costs nothing to keep.
        throw new ApiError('conflict', 'the bundled sample data set cannot be removed', 'id');
      }
      await forgetDataset(ctx.db, id);
      ctx.emit('datasets.changed', {});
    },
    'datasets.locate': async ({ id, path }) => {
      const info = await relocateDataset(ctx.db, id, path);
      ctx.emit('datasets.changed', {});
      return info;
    },
  };
}
