/** The run list, live training progress, the runs that just ended, and the actions on runs. */
import type { RunConfigInput, RunSummary, TrainingProgress } from '@contract/api.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../lib/context.ts';
import { onRunChanges } from '../lib/runChanges.ts';
import { sortRuns, type RunSortKey, type SortDir } from '../lib/sortRuns.ts';

export const useRunsStore = defineStore('runs', () => {
  const api = useApi();
  const runs = ref<RunSummary[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  /** Latest progress message per running run; dropped when the run stops running. */
  const progress = ref<Record<number, TrainingProgress>>({});
  /** Runs seen running that have since ended (done, failed, stopped, interrupted), for the page to say so; newest last. */
  const ended = ref<RunSummary[]>([]);
  const sortKey = ref<RunSortKey>('createdAt');
  const sortDir = ref<SortDir>('desc');

  const sorted = computed(() => sortRuns(runs.value, sortKey.value, sortDir.value));
  const byId = computed(() => new Map(runs.value.map((r) => [r.id, r])));

  async function refresh(): Promise<void> {
    try {
      const wasRunning = new Set(runs.value.filter((r) => r.status === 'running').map((r) => r.id));
      runs.value = await api.call('runs.list', {});
      error.value = null;
      const justEnded = runs.value.filter((r) => wasRunning.has(r.id) && r.status !== 'running');
      if (justEnded.length > 0) ended.value = [...ended.value.filter((e) => !justEnded.some((r) => r.id === e.id)), ...justEnded];
      for (const id of Object.keys(progress.value).map(Number)) {
        if (byId.value.get(id)?.status !== 'running') delete progress.value[id];
      }
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loaded.value = true;
    }
  }

  function sortBy(key: RunSortKey): void {
    if (sortKey.value === key) sortDir.value = sortDir.value === 'asc' ? 'desc' : 'asc';
    else {
      sortKey.value = key;
      // Names and data sets read best A→Z; numbers and dates best largest first.
      sortDir.value = key === 'name' || key === 'datasetName' || key === 'backend' || key === 'status' ? 'asc' : 'desc';
    }
  }

  /** Replaces one run in place with what an action returned, so the table moves before the next refresh. */
  function upsert(run: RunSummary): RunSummary {
    const i = runs.value.findIndex((r) => r.id === run.id);
    if (i >= 0) runs.value.splice(i, 1, run);
    else runs.value.unshift(run);
    return run;
  }

  const start = async (datasetId: number, config: RunConfigInput, name?: string) =>
    upsert(await api.call('runs.start', name ? { datasetId, config, name } : { datasetId, config }));
  const stop = async (id: number) => upsert(await api.call('runs.stop', { id }));
  const resume = async (id: number) => upsert(await api.call('runs.resume', { id }));
  const rename = async (id: number, name: string) => upsert(await api.call('runs.rename', { id, name }));
  const dismiss = (id: number) => (ended.value = ended.value.filter((r) => r.id !== id));
  async function remove(id: number): Promise<void> {
    await api.call('runs.remove', { id });
    runs.value = runs.value.filter((r) => r.id !== id);
  }

  /** Follows the server's events; returns the unsubscriber. */
  function listen(): () => void {
    const offChanged = onRunChanges(api, () => void refresh());
    const offProgress = api.on('run.progress', (p) => {
      progress.value[p.runId] = p;
    });
    return () => {
      offChanged();
      offProgress();
    };
  }

  return { runs, loaded, error, progress, ended, sortKey, sortDir, sorted, byId, refresh, sortBy, start, stop, resume, rename, remove, dismiss, listen };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useRunsStore, import.meta.hot));
