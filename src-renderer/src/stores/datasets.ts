/** The data set registry and sample images, as the data sets page and the new-run form see them. */
import type { DatasetInfo, DatasetProgress, DatasetSamples, ImageOptionsInput } from '@contract/api.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { markRaw, ref, shallowRef } from 'vue';
import { useApi } from '../lib/context.ts';

export const useDatasetsStore = defineStore('datasets', () => {
  const api = useApi();
  const datasets = ref<DatasetInfo[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  /** Per data set id; raw, since image bytes need no deep reactivity. */
  const samples = shallowRef<Record<number, DatasetSamples>>({});
  /**
   * A path to add that came from outside the data sets page's form (a folder dropped on the window,
   * the desktop menu's Open Data Set…): the form takes it, so the path and any error show there.
   */
  const incoming = ref<string | null>(null);
  /** How far the core got preparing a folder of images, while it works on one. */
  const preparing = ref<DatasetProgress | null>(null);

  async function refresh(): Promise<void> {
    try {
      datasets.value = await api.call('datasets.list', {});
      error.value = null;
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loaded.value = true;
    }
  }

  async function loadSamples(id: number, perClass = 8): Promise<DatasetSamples> {
    const cached = samples.value[id];
    if (cached && cached.labels.length >= perClass * cached.classes.length) return cached;
    const s = markRaw(await api.call('datasets.samples', { id, perClass }));
    samples.value = { ...samples.value, [id]: s };
    return s;
  }

  /** `images`: how a folder of images is prepared, where the person chose (the core's defaults otherwise). */
  async function add(path: string, name?: string, images?: ImageOptionsInput): Promise<DatasetInfo> {
    try {
      const info = await api.call('datasets.add', { path, ...(name ? { name } : {}), ...(images ? { images } : {}) });
      await refresh();
      return info;
    } finally {
      preparing.value = null;
    }
  }

  async function remove(id: number): Promise<void> {
    await api.call('datasets.remove', { id });
    const { [id]: _gone, ...rest } = samples.value;
    samples.value = rest;
    datasets.value = datasets.value.filter((d) => d.id !== id);
  }

  /** Points a data set whose files moved at their new place (the core checks they are the same files). */
  async function locate(id: number, path: string): Promise<DatasetInfo> {
    const info = await api.call('datasets.locate', { id, path });
    await refresh();
    return info;
  }

  const offer = (path: string) => void (incoming.value = path);
  /** Hands the offered path over once (null when there is none). */
  function takeOffer(): string | null {
    const path = incoming.value;
    incoming.value = null;
    return path;
  }

  function listen(): () => void {
    const offs = [
      api.on('datasets.changed', () => void refresh()),
      api.on('datasets.progress', (p) => (preparing.value = p)),
    ];
    return () => offs.forEach((off) => off());
  }

  return { datasets, loaded, error, samples, incoming, preparing, refresh, loadSamples, add, remove, locate, offer, takeOffer, listen };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDatasetsStore, import.meta.hot));
