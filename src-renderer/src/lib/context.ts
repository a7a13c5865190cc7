/**
 * The two things every part of the page needs: the API client (IPC bridge in the desktop app, HTTP in a
 * browser, the real core in tests) and the router. Set once at start-up; stores and components read them.
 */
import type { ApiClient } from '@contract/api.ts';
import type { HashRouter } from './router.ts';

let client: ApiClient | null = null;
let router: HashRouter | null = null;

export function setApi(api: ApiClient): void {
  client = api;
}

export function useApi(): ApiClient {
  if (!client) throw new Error('the API client is not set: call setApi() before mounting the app');
  return client;
}

export function setRouter(r: HashRouter): void {
  router = r;
}

export function useRouter(): HashRouter {
  if (!router) throw new Error('the router is not set: call setRouter() before mounting the app');
  return router;
}
