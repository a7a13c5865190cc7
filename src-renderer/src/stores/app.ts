/**
 * What the host says about itself (desktop or browser, training backend, version, the database and
 * whether it can be written), read once: the desktop app loads the page afresh when it opens another
 * database. And what it tells the person (`app.notice`).
 */
import type { AppInfo, AppNotice } from '@contract/api.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { useApi } from '../lib/context.ts';

export const useAppStore = defineStore('app', () => {
  const api = useApi();
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);
  /** What the desktop app's main side said last (`app.notice`), until dismissed. */
  const notice = ref<AppNotice | null>(null);
  /** Why training and edits are off (the database cannot be written), or null: the tooltip of every disabled action. */
  const readOnly = computed(() => (info.value?.readOnly ? `Read-only: ${info.value.readOnly}` : null));

  async function load(): Promise<void> {
    try {
      info.value = await api.call('app.info', {});
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  return { info, error, notice, readOnly, load };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useAppStore, import.meta.hot));
