/** The groups (one experiment repeated over seeds): listed with their figures, refreshed as their runs change. */
import type { GroupKind, GroupSummary, RunConfigInput } from '@contract/api.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../lib/context.ts';
import { onRunChanges } from '../lib/runChanges.ts';

export const useGroupsStore = defineStore('groups', () => {
  const api = useApi();
  const groups = ref<GroupSummary[]>([]);
  const error = ref<string | null>(null);
  const byId = computed(() => new Map(groups.value.map((g) => [g.id, g])));

  async function refresh(): Promise<void> {
    try {
      groups.value = await api.call('groups.list', {});
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  function upsert(group: GroupSummary): GroupSummary {
    const i = groups.value.findIndex((g) => g.id === group.id);
    if (i >= 0) groups.value.splice(i, 1, group);
    else groups.value.unshift(group);
    return group;
  }

  const start = async (input: { datasetId: number; kind: GroupKind; seeds: number[]; config: RunConfigInput; name?: string }) =>
    upsert(await api.call('groups.start', input));
  const stop = async (id: number) => upsert(await api.call('groups.stop', { id }));
  const resume = async (id: number) => upsert(await api.call('groups.resume', { id }));
  async function remove(id: number): Promise<void> {
    await api.call('groups.remove', { id });
    groups.value = groups.value.filter((g) => g.id !== id);
  }

  /** Follows the runs' events (a member's epoch changes its group's figures); returns the unsubscriber. */
  const listen = () => onRunChanges(api, () => void refresh());

  return { groups, error, byId, refresh, start, stop, resume, remove, listen };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useGroupsStore, import.meta.hot));
