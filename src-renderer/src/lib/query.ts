/**
 * The view state each page keeps in its URL's query (layer, seq, colour map, the compared runs, …), so
 * a reload or a shared link restores it. Queries are written as they always were — keys sorted,
 * URLSearchParams encoding, empty values left out — and read back as plain strings, so links made by
 * earlier versions keep working: `#/run/12?cmap=grey&layer=conv2&seq=7`, `#/compare?runs=3%2C4` (or `runs=3,4`).
 */
import { MAX_PROBES } from '@contract/api.ts';
import type { LocationQueryRaw, RouteLocationNormalizedLoaded, Router } from 'vue-router';

/** A page's query: every value a string (the router parses with `parseQuery`). */
export type Query = Record<string, string>;

export function parseQuery(search: string): Query {
  return Object.fromEntries(new URLSearchParams(search));
}

export function stringifyQuery(query: LocationQueryRaw = {}): string {
  const entries = Object.entries(query)
    .filter((e): e is [string, string | number] => e[1] !== undefined && e[1] !== null && e[1] !== '' && !Array.isArray(e[1]))
    .map(([k, v]) => [k, String(v)]);
  entries.sort(([a], [b]) => a!.localeCompare(b!));
  return new URLSearchParams(entries).toString();
}

/** The route's query, read as the strings `parseQuery` made. */
export const queryOf = (route: RouteLocationNormalizedLoaded): Query => route.query as Query;

/** The layers analyses' probe-set size a page's URL names (`probes=250`: run, compare and group pages), if a valid one. */
export function probesOf(query: Query): number | undefined {
  const n = Number(query.probes);
  return Number.isInteger(n) && n >= 1 && n <= MAX_PROBES ? n : undefined;
}

/**
 * Changes some of the view state in the URL (undefined removes a key), replacing the history entry:
 * scrubbing through epochs must not flood Back.
 */
export function setQuery(router: Router, patch: Record<string, string | number | undefined>): void {
  const route = router.currentRoute.value;
  const query: Record<string, string> = { ...queryOf(route) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete query[k];
    else query[k] = String(v);
  }
  void router.replace({ path: route.path, query });
}
