/** What the host says about itself (desktop or browser, training backend, version), read once. */
import type { AppInfo } from '@contract/api.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref } from 'vue';
import { useApi } from '../lib/context.ts';

export const useAppStore = defineStore('app', () => {
  const api = useApi();
  const info = ref<AppInfo | null>(null);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      info.value = await api.call('app.info', {});
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  return { info, error, load };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useAppStore, import.meta.hot));
