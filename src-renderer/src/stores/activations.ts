/**
 * The activation view of one run: its pinned inputs, their maps at each snapshot (fetched per snapshot,
 * the one on screen first, then the rest in the background, so stepping and playing never wait), the
 * channel chosen to be seen in every input and in the weights, the per-class learning and the mistakes
 * of the shown snapshot. The position (which snapshot) and the diff mode are the run page's: this store
 * is told them and keeps no player of its own.
 */
import type { ActivationMaps, ClassLearning, Mistakes, PinnedInputs } from '@contract/api.ts';
import type { DiffRef } from '@render/diff.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { useApi } from '../lib/context.ts';

/** The map layers a person can pick a channel in, with the weights layer that made it. */
export type ChannelLayer = 'conv1' | 'conv2';
export interface ChosenChannel {
  layer: ChannelLayer;
  channel: number;
}

/** The diff reference as the API takes it. */
export const apiDiff = (ref: DiffRef | null): 'prev' | 'init' | number | undefined =>
  ref === null ? undefined : typeof ref === 'object' ? ref.seq : ref;

const keyOf = (seq: number, diff: DiffRef | null) => `${seq}|${apiDiff(diff) ?? ''}`;

export const useActivationsStore = defineStore('activations', () => {
  const api = useApi();

  const runId = ref<number | null>(null);
  const pins = shallowRef<PinnedInputs | null>(null);
  /** Why the maps could not be shown (loading stops until something changes). */
  const error = ref<string | null>(null);
  /** Why the last change of pins was refused (the pins stay as they were). */
  const pinError = ref<string | null>(null);
  /** The run's stored snapshots, in order. */
  const seqs = ref<number[]>([]);
  const diff = shallowRef<DiffRef | null>(null);
  /** Fetched maps per (snapshot, diff); raw, and replaced (not mutated) so that readers update. */
  const frames = shallowRef<ReadonlyMap<string, ActivationMaps>>(new Map());
  const loading = ref(false);
  const chosen = ref<ChosenChannel | null>(null);
  /** The pinned input whose class the confusion matrix highlights. */
  const focus = ref<number | null>(null);
  const learning = shallowRef<ClassLearning | null>(null);
  const learningError = ref<string | null>(null);
  const mistakes = shallowRef<Mistakes | null>(null);
  /** Changes whenever what is fetched changes meaning (another run, pins or diff): late answers are dropped. */
  let generation = 0;

  const frameAt = (seq: number | undefined) => (seq === undefined ? undefined : frames.value.get(keyOf(seq, diff.value)));
  /** Whether every snapshot's maps are here (for the current diff mode). */
  const loadedAll = computed(() => seqs.value.length > 0 && seqs.value.every((s) => frames.value.has(keyOf(s, diff.value))));

  function reset(): void {
    generation++;
    frames.value = new Map();
  }

  async function open(id: number, stored: number[]): Promise<void> {
    if (runId.value !== id) {
      runId.value = id;
      pins.value = null;
      learning.value = null;
      mistakes.value = null;
      chosen.value = null;
      focus.value = null;
      reset();
    }
    seqs.value = stored;
    error.value = null;
    try {
      pins.value = markRaw(await api.call('activations.pins', { runId: id }));
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** A running run stored snapshots: the scale may have grown, so every frame is fetched again. */
  function setSnapshots(stored: number[]): void {
    if (stored.join() === seqs.value.join()) return;
    seqs.value = stored;
    reset();
    learning.value = null;
  }

  function setDiff(d: DiffRef | null): void {
    if (apiDiff(d) === apiDiff(diff.value)) return;
    diff.value = d;
    generation++;
  }

  async function fetchFrame(seq: number): Promise<void> {
    const id = runId.value;
    if (id === null || !pins.value || pins.value.indices.length === 0) return;
    const asked = generation;
    const d = diff.value;
    const maps = await api.call('activations.maps', { runId: id, seq, diff: apiDiff(d) });
    if (asked !== generation) return;
    frames.value = new Map(frames.value).set(keyOf(seq, d), markRaw(maps));
  }

  /**
   * Makes sure snapshot `seq` is here, then fetches the others, nearest first, one at a time. Pins, diff
   * or snapshots that change meanwhile end it; the view asks again for what it then wants.
   */
  async function load(seq: number): Promise<void> {
    if (loading.value) return;
    loading.value = true;
    error.value = null;
    const asked = generation;
    try {
      if (!frameAt(seq)) await fetchFrame(seq);
      const at = seqs.value.indexOf(seq);
      const rest = seqs.value.filter((s) => !frameAt(s)).sort((a, b) => Math.abs(seqs.value.indexOf(a) - at) - Math.abs(seqs.value.indexOf(b) - at));
      for (const s of rest) {
        if (asked !== generation) break;
        await fetchFrame(s);
      }
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loading.value = false;
    }
  }

  async function setPins(indices: number[] | null): Promise<void> {
    const id = runId.value;
    if (id === null) return;
    pinError.value = null;
    try {
      pins.value = markRaw(await api.call('activations.setPins', { runId: id, indices }));
      reset();
      error.value = null;
      if (focus.value !== null && !pins.value.indices.includes(focus.value)) focus.value = null;
    } catch (err) {
      pinError.value = (err as Error).message;
    }
  }
  const pin = (index: number) => (pins.value && !pins.value.indices.includes(index) ? setPins([...pins.value.indices, index]) : Promise.resolve());
  const unpin = (index: number) => (pins.value ? setPins(pins.value.indices.filter((i) => i !== index)) : Promise.resolve());

  /** Chooses a channel: its maps are outlined in every input, its filter in the weights. */
  function choose(layer: ChannelLayer, channel: number): void {
    chosen.value = { layer, channel };
  }
  /** Chooses a channel, or unchooses it when it was the chosen one. */
  function toggle(layer: ChannelLayer, channel: number): void {
    if (chosen.value?.layer === layer && chosen.value.channel === channel) chosen.value = null;
    else choose(layer, channel);
  }

  async function loadLearning(): Promise<void> {
    const id = runId.value;
    if (id === null) return;
    learningError.value = null;
    try {
      const got = await api.call('activations.classes', { runId: id });
      if (runId.value === id) learning.value = markRaw(got);
    } catch (err) {
      learningError.value = (err as Error).message;
    }
  }

  async function loadMistakes(seq: number, limit = 60): Promise<void> {
    const id = runId.value;
    if (id === null) return;
    try {
      const got = await api.call('activations.mistakes', { runId: id, seq, limit });
      if (runId.value === id) mistakes.value = markRaw(got);
    } catch (err) {
      learningError.value = (err as Error).message;
    }
  }

  return {
    runId, pins, error, pinError, seqs, diff, frames, loading, chosen, focus, learning, learningError, mistakes, loadedAll,
    frameAt, open, setSnapshots, setDiff, load, setPins, pin, unpin, choose, toggle, loadLearning, loadMistakes,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useActivationsStore, import.meta.hot));
