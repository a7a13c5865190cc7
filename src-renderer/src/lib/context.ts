/**
 * The API client every part of the page talks through: the IPC bridge in the desktop app, HTTP in a
 * browser, the real core in tests. Set once at start-up; stores and components read it.
 */
import type { ApiClient } from '@contract/api.ts';

let client: ApiClient | null = null;

export function setApi(api: ApiClient): void {
  client = api;
}

export function useApi(): ApiClient {
  if (!client) throw new Error('the API client is not set: call setApi() before mounting the app');
  return client;
}
