/**
 * The contract's implementation, assembled from one group per domain. IPC (src-main/electron/ipc.ts), the local
 * server (src-main/server/) and the tests all call these through `dispatch`, which validates first.
 */
import { ApiError, type Handlers, type MethodsOf } from '../../../src-preload/api.ts';
import { activationHandlers } from './activations.ts';
import { analysisHandlers } from './analyses.ts';
import { appHandlers } from './app.ts';
import { storeError } from '../store/db.ts';
import type { CoreContext } from './context.ts';
import { datasetHandlers } from './datasets.ts';
import { groupHandlers } from './groups.ts';
import { runHandlers } from './runs.ts';
import { weightHandlers } from './weights.ts';

/** Desktop-only methods (native dialogs, saving files); the Electron shell supplies its own. */
export type DesktopHandlers = Pick<Handlers, MethodsOf<'files'>>;

const desktopOnly = (): never => {
  throw new ApiError('unavailable', 'only the desktop app can do this; the browser does it its own way');
};
const browserFiles: DesktopHandlers = { 'files.saveGif': desktopOnly, 'files.chooseDataset': desktopOnly };

export function createHandlers(ctx: CoreContext, desktop: DesktopHandlers = browserFiles): Handlers {
  return withStoreErrors(ctx, {
    ...appHandlers(ctx),
    ...datasetHandlers(ctx),
    ...runHandlers(ctx),
    ...weightHandlers(ctx),
    ...activationHandlers(ctx),
    ...analysisHandlers(ctx),
    ...groupHandlers(ctx),
    ...desktop,
  });
}

/** Every handler, with what SQLite says (disk full, read-only, damaged, busy) turned into an error naming the database. */
function withStoreErrors(ctx: CoreContext, handlers: Handlers): Handlers {
  const wrap = (handler: (input: never) => unknown) => async (input: never) => {
    try {
      return await handler(input);
    } catch (err) {
      throw storeError(ctx.db, err);
    }
  };
  return Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, wrap(handler)])) as Handlers;
}
