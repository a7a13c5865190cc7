/**
 * The activation view of one run: its pinned inputs, their maps at each snapshot (fetched per snapshot,
 * the one on screen first, then the others nearest it in the background, so stepping and playing seldom
 * wait; within `MAPS_BUDGET`, and only while the weights on screen have nothing on its way), the
 * channel chosen to be seen in every input and in the weights, the per-class learning and the mistakes
 * of the shown snapshot. The position (which snapshot) and the diff mode are the run page's: this store
 * is told them and keeps no player of its own.
 */
import type { ActivationMaps, ClassLearning, Mistakes, PinnedInputs } from '@contract/api.ts';
import type { DiffRef } from '@render/diff.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { useApi } from '../lib/context.ts';
import { outward } from '../lib/weightCache.ts';

/**
 * The most maps the page keeps: 40 MiB (a snapshot's maps of 16 inputs are about 1.1 MB), a window around
 * the position when the run has more snapshots than fit. With the weights' budget (weightCache.ts) the
 * page stays within 256 MiB (`npm run bench viewer`).
 */
export const MAPS_BUDGET = 40 * 2 ** 20;

const bytesOf = (m: ActivationMaps) => Object.values(m.maps).reduce((sum, t) => sum + t.data.byteLength, m.probabilities.byteLength + m.images.byteLength);

/** Resolves once `ok()` is true (at once when it is already). */
const until = (ok: () => boolean): Promise<void> =>
  ok()
    ? Promise.resolve()
    : new Promise((resolve) => {
        const stop = watch(ok, (now) => {
          if (!now) return;
          stop();
          resolve();
        });
      });

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

  /**
   * Whether the weights the screen needs first are still on their way (the page says, with `yieldTo`):
   * everything here waits for them, so that opening a run, a layer switch or an epoch step never shares
   * the server with the maps.
   */
  let busy: () => boolean = () => false;
  const yieldTo = (weightsBusy: () => boolean) => (busy = weightsBusy);
  const quiet = () => until(() => !busy());

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
      await quiet();
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

  /** The snapshot the maps are wanted around (the run page's position). */
  let around: number | undefined;

  /** The snapshots to hold: the one on screen, then outward from it, as many as the budget holds. */
  function wanted(): number[] {
    const at = around === undefined ? -1 : seqs.value.indexOf(around);
    if (at < 0) return [];
    const held = frames.value.values().next().value;
    const fit = held ? Math.max(1, Math.floor(MAPS_BUDGET / bytesOf(held))) : 1;
    return outward(seqs.value.length, at).slice(0, fit).map((i) => seqs.value[i]!);
  }
  /** Forgets the maps outside the window (and those of another diff mode). */
  function trim(): void {
    const keep = new Set(wanted().map((s) => keyOf(s, diff.value)));
    if ([...frames.value.keys()].some((k) => !keep.has(k))) frames.value = new Map([...frames.value].filter(([k]) => keep.has(k)));
  }

  /**
   * Shows snapshot `seq`: fetches its maps first, then those of the snapshots nearest it, one at a time,
   * each once the weights' fetches are done. Pins, diff or snapshots that change meanwhile end it; it
   * then goes on with what the view wants.
   */
  async function show(seq: number): Promise<void> {
    around = seq;
    if (loading.value) return; // the running loop picks the new position up
    loading.value = true;
    error.value = null;
    const asked = generation;
    const next = () => wanted().find((s) => !frameAt(s));
    try {
      for (;;) {
        await quiet();
        const s = next();
        if (s === undefined || asked !== generation) break;
        await fetchFrame(s);
        trim();
      }
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      loading.value = false;
    }
    // Ended by a change of pins, diff or snapshots: go on with what the view now wants.
    if (asked !== generation && around !== undefined && !error.value) void show(around);
  }

  /**
   * The maps of one input at every snapshot, in order, on the scale the screen draws them with: fetched
   * for that input alone (small), so that a long run's export holds no more than it needs. For the GIF.
   */
  async function seriesOf(input: number, onProgress?: (done: number) => void): Promise<ActivationMaps[]> {
    const id = runId.value;
    const shown = frameAt(around);
    if (id === null || !shown) throw new Error('the maps on screen are not here yet');
    const out: ActivationMaps[] = [];
    for (const seq of seqs.value) {
      const got = await api.call('activations.maps', { runId: id, seq, inputs: [input], diff: apiDiff(diff.value) });
      out.push(markRaw({ ...got, scale: shown.scale }));
      onProgress?.(out.length);
    }
    return out;
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
      await quiet();
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
      await quiet();
      const got = await api.call('activations.mistakes', { runId: id, seq, limit });
      if (runId.value === id) mistakes.value = markRaw(got);
    } catch (err) {
      learningError.value = (err as Error).message;
    }
  }

  return {
    runId, pins, error, pinError, seqs, diff, frames, loading, chosen, focus, learning, learningError, mistakes, loadedAll,
    frameAt, open, yieldTo, setSnapshots, setDiff, show, seriesOf, setPins, pin, unpin, choose, toggle, loadLearning, loadMistakes,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useActivationsStore, import.meta.hot));
