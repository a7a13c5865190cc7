import type { Handlers, MethodsOf } from '../../../src-preload/api.ts';
import { deleteGroup, groupSummary, listGroupSummaries, resumeGroup, startGroup, stopGroup } from '../training/groups.ts';
import type { CoreContext } from './context.ts';

export function groupHandlers(ctx: CoreContext): Pick<Handlers, MethodsOf<'groups'>> {
  return {
    'groups.list': () => listGroupSummaries(ctx),
    'groups.get': ({ id }) => groupSummary(ctx, id),
    'groups.start': (input) => startGroup(ctx, input),
    'groups.stop': ({ id }) => stopGroup(ctx, id),
    'groups.resume': ({ id }) => resumeGroup(ctx, id),
    'groups.remove': ({ id }) => deleteGroup(ctx, id),
  };
}
