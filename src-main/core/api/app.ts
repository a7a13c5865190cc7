import { ApiError, type Handlers } from '../../../src-preload/api.ts';
import { getDataset } from '../store/datasets.ts';
import { appVersion } from '../paths.ts';
import { DEFAULT_GEOMETRY, resolveBackend, type ProbeContext } from '../training/probe.ts';
import { forkTrainer } from '../training/spawn.ts';
import type { CoreContext } from './context.ts';

export function appHandlers(ctx: CoreContext): Pick<Handlers, 'app.info' | 'app.backend'> {
  const probe = (): ProbeContext => ({ dbPath: ctx.dbPath, spawn: ctx.spawnTrainer ?? forkTrainer() });
  return {
    'app.info': async () => ({
      version: appVersion,
      host: ctx.host,
      backend: await resolveBackend(probe(), { choice: 'auto', geometry: DEFAULT_GEOMETRY }),
      dbPath: ctx.dbPath,
    }),
    'app.backend': ({ backend, batchSize, datasetId, remeasure }) => {
      const dataset = getDataset(ctx.db, datasetId);
      if (!dataset) throw new ApiError('not-found', `no data set #${datasetId}`, 'datasetId');
      const geometry = { shape: dataset.shape, classes: dataset.classes.length, batchSize };
      return resolveBackend(probe(), { choice: backend, geometry, remeasure });
    },
  };
}
