/**
 * The page's location as data, kept in the URL hash so a reload (or a shared link) restores the page,
 * run, layer and epoch. A hand-written hash router: three pages do not need vue-router, and the hash
 * works unchanged under file:// in the desktop app and under the local server.
 *
 *   #/runs   #/datasets   #/run/12?layer=conv2&seq=7&cmap=grey&diff=prev   #/compare?runs=3,4&layer=conv1&epoch=2
 */
export type Page = 'runs' | 'datasets' | 'run' | 'compare';

export interface Route {
  page: Page;
  /** The run's id on the run page. */
  runId?: number;
  /** Free-form view state (layer, seq, colour map, …), owned by the page that reads it. */
  query: Record<string, string>;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?', 2);
  const parts = path.split('/').filter(Boolean);
  const query = Object.fromEntries(new URLSearchParams(search));
  if (parts[0] === 'run' && /^[1-9]\d*$/.test(parts[1] ?? '')) return { page: 'run', runId: Number(parts[1]), query };
  if (parts[0] === 'datasets') return { page: 'datasets', query };
  if (parts[0] === 'compare') return { page: 'compare', query };
  return { page: 'runs', query };
}

export function formatRoute(route: Route): string {
  const path = route.page === 'run' ? `#/run/${route.runId}` : `#/${route.page}`;
  const entries = Object.entries(route.query).filter(([, v]) => v !== '');
  entries.sort(([a], [b]) => a.localeCompare(b));
  const search = new URLSearchParams(entries).toString();
  return search ? `${path}?${search}` : path;
}
