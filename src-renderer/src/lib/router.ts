/** The reactive side of `route.ts`: follows the hash, and lets pages change it. */
import { readonly, shallowRef, type Ref } from 'vue';
import { formatRoute, parseRoute, type Route } from './route.ts';

export interface HashRouter {
  route: Readonly<Ref<Route>>;
  /** A new history entry (page changes). */
  go(route: Route): void;
  /** Replaces the entry (view state such as the epoch), so scrubbing does not flood Back. */
  setQuery(patch: Record<string, string | number | undefined>): void;
  dispose(): void;
}

export function createHashRouter(win: Window): HashRouter {
  const route = shallowRef(parseRoute(win.location.hash));
  const onHash = () => (route.value = parseRoute(win.location.hash));
  win.addEventListener('hashchange', onHash);
  return {
    route: readonly(route) as Readonly<Ref<Route>>,
    go(next) {
      win.location.hash = formatRoute(next);
      route.value = parseRoute(win.location.hash);
    },
    setQuery(patch) {
      const query = { ...route.value.query };
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) delete query[k];
        else query[k] = String(v);
      }
      const next = { ...route.value, query };
      const hash = formatRoute(next);
      if (hash !== formatRoute(route.value)) win.history.replaceState(win.history.state, '', hash);
      route.value = next;
    },
    dispose: () => win.removeEventListener('hashchange', onHash),
  };
}
