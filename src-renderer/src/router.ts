/**
 * The pages and their URLs, in the URL's hash (vue-router's hash history), which works unchanged under
 * file:// in the desktop app and under the local server:
 *
 *   #/runs   #/datasets   #/run/12?layer=conv2&seq=7&cmap=grey&diff=prev   #/compare?runs=3,4&layer=conv1&epoch=2
 *   #/group/2 (a group of seeds: its figures with their intervals)
 *
 * Anything else shows the run list, as a link to a page that no longer exists should.
 */
import { createRouter, createWebHashHistory, type Router, type RouterHistory } from 'vue-router';
import { parseQuery, stringifyQuery } from './lib/query.ts';
import ComparePage from './pages/ComparePage.vue';
import DatasetsPage from './pages/DatasetsPage.vue';
import GroupPage from './pages/GroupPage.vue';
import RunPage from './pages/RunPage.vue';
import RunsPage from './pages/RunsPage.vue';

export function createAppRouter(history: RouterHistory = createWebHashHistory()): Router {
  return createRouter({
    history,
    parseQuery,
    stringifyQuery,
    routes: [
      { path: '/runs', name: 'runs', component: RunsPage },
      { path: '/run/:runId([1-9]\\d*)', name: 'run', component: RunPage, props: (route) => ({ runId: Number(route.params.runId) }) },
      { path: '/datasets', name: 'datasets', component: DatasetsPage },
      { path: '/compare', name: 'compare', component: ComparePage },
      { path: '/group/:groupId([1-9]\\d*)', name: 'group', component: GroupPage, props: (route) => ({ groupId: Number(route.params.groupId) }) },
      { path: '/:other(.*)*', component: RunsPage },
    ],
  });
}
