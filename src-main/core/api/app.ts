import { ApiError, type Handlers, type MethodsOf } from '../../../src-preload/api.ts';
import { getDataset } from '../store/datasets.ts';
import { readOnlyReason } from '../store/db.ts';
import { appVersion } from '../paths.ts';
import { DEFAULT_GEOMETRY } from '../training/probe.ts';
import type { CoreContext } from './context.ts';

export function appHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'app'>> {
  return {
    'app.info': async () => ({
      version: appVersion,
      shell: ctx.shell,
      backend: await ctx.trainers.backend({ choice: 'auto', geometry: DEFAULT_GEOMETRY }),
      dbPath: ctx.dbPath,
      ...(readOnlyReason(ctx.db) ? { readOnly: readOnlyReason(ctx.db) } : {}),
    }),
    'app.backend': ({ backend, batchSize, datasetId, remeasure }) => {
      const dataset = getDataset(ctx.db, datasetId);
      if (!dataset) throw new ApiError('not-found', `no data set #${datasetId}`, 'datasetId');
      const geometry = { shape: dataset.shape, classes: dataset.classes.length, batchSize };
      return ctx.trainers.backend({ choice: backend, geometry, remeasure });
    },
  };
}
