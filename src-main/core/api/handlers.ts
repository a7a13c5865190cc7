/**
 * The contract's implementation, assembled from one group per domain. IPC (src-main/electron/ipc.ts), the local
 * server (src-main/server/) and the tests all call these through `dispatch`, which validates first.
 */
import { ApiError, type Handlers } from '../../../src-preload/api.ts';
import { activationHandlers } from './activations.ts';
import { appHandlers } from './app.ts';
import type { CoreContext } from './context.ts';
import { datasetHandlers } from './datasets.ts';
import { runHandlers } from './runs.ts';
import { weightHandlers } from './weights.ts';

/** Desktop-only methods (native dialogs, saving files); the Electron shell supplies its own. */
export type DesktopHandlers = Pick<Handlers, 'files.saveGif' | 'files.chooseDataset'>;

const desktopOnly = (): never => {
  throw new ApiError('unavailable', 'only the desktop app can do this; the browser does it its own way');
};
const browserFiles: DesktopHandlers = { 'files.saveGif': desktopOnly, 'files.chooseDataset': desktopOnly };

export function createHandlers(ctx: CoreContext, desktop: DesktopHandlers = browserFiles): Handlers {
  return {
    ...appHandlers(ctx),
    ...datasetHandlers(ctx),
    ...runHandlers(ctx),
    ...weightHandlers(ctx),
    ...activationHandlers(ctx),
    ...desktop,
  };
}
