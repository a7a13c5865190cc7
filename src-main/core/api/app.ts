import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Handlers, MethodsOf } from '../../../src-preload/api.ts';
import { appRoot } from '../paths.ts';
import { readOnlyReason } from '../store/db.ts';
import type { CoreContext } from './context.ts';

const { version } = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string };

export function appHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'app'>> {
  return {
    'app.info': async () => ({
      version,
      host: ctx.host,
      backend: await ctx.trainers.probeBackend(),
      dbPath: ctx.dbPath,
      ...(readOnlyReason(ctx.db) ? { readOnly: readOnlyReason(ctx.db) } : {}),
    }),
  };
}
