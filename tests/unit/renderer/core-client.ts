/**
 * The page's API client over the real core, for renderer tests: the real handlers called through
 * `dispatch` (the one entry IPC and HTTP use), failures thrown back as `ApiError`s as the page's clients do.
 */
import { ApiError, dispatch, type ApiClient } from '../../../src-preload/api.ts';
import { createHandlers } from '../../../src-main/core/api/handlers.ts';
import type { Core } from '../../../src-main/core/startup.ts';

export function coreClient(c: Core): ApiClient {
  const handlers = createHandlers(c.ctx);
  return {
    async call(method, input) {
      const result = await dispatch(handlers, method, input);
      if (!result.ok) throw new ApiError(result.error.code, result.error.message, result.error.field);
      return result.value as never;
    },
    on(event, listener) {
      return c.subscribe((name, payload) => {
        if ((name as string) === event) listener(payload as never);
      });
    },
  };
}
