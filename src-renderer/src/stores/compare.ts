/**
 * The compare view: 2–4 runs, one layer, one shared position on the union of their epochs, one colour
 * scale over every compared run (from their stored statistics), optionally run B's filters reordered to
 * match run A's, and run A − run B on its own scale (worked out on the main side). The player and the
 * weights it plays are the run page's (`useSeriesPlayer`): each run's snapshot at the position first.
 */
import type { LayerName, RunDetail, TensorName } from '@contract/api.ts';
import { DEFAULT_ZOOM, layerView, renderFrame, statsScale, type LayerView, type WeightSource } from '@render/animation.ts';
import { matchFilters, reorderSeries, type FilterMatch, type Reorder } from '@render/match-filters.ts';
import type { ColormapName } from '@render/palette.ts';
import { renderIndices, type RenderedTensor } from '@render/render.ts';
import { scaleFor, type Scale } from '@render/scale.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { compatibility, positionAt, timeline, type Position } from '../lib/compare.ts';
import { useApi } from '../lib/context.ts';
import { clampIndex } from '../lib/playback.ts';
import { useSeriesPlayer } from '../lib/useSeriesPlayer.ts';
import { cacheKey, type Focus } from '../lib/weightCache.ts';
import { kernelOf, tensorBytes } from './viewer.ts';

/** Layers whose filters can be reordered to match (conv2's inputs then follow conv1's order). */
export const MATCHABLE: readonly LayerName[] = ['conv1', 'conv2'];

/** How a compared run's filters were put in the first run's order. */
export interface Matched {
  outputs: FilterMatch;
  /** conv2: its input channels, in the order conv1's filters were matched. */
  inputs?: number[];
}

const reorder = (shape: readonly number[], data: Float32Array, r: Reorder): Float32Array => reorderSeries({ shape: [...shape], seqs: [0], data }, r).data;

export const useCompareStore = defineStore('compare', () => {
  const api = useApi();

  const runs = shallowRef<RunDetail[]>([]);
  const error = ref<string | null>(null);
  const layer = ref<LayerName>('conv1');
  const colormap = ref<ColormapName>('study');
  const zoom = ref(DEFAULT_ZOOM.conv1);
  /** Reorder each run's filters to best match the first run's. */
  const match = ref(false);
  /** Show run A − run B (the first two compared runs). */
  const showDiff = ref(true);

  const tensor = computed(() => kernelOf(layer.value));
  const compat = computed(() => compatibility(runs.value, layer.value));
  /**
   * The runs shown side by side (indices into `runs`): those of the layer's shape whose statistics have
   * arrived. A queued run (the frozen half of a freeze experiment) joins when it stores its first snapshot.
   */
  const shown = computed(() => compat.value.compared.filter((i) => statsOf(runs.value[i]!) !== undefined));
  const compared = computed(() => shown.value.map((i) => runs.value[i]!));
  const epochsOf = computed(() => compared.value.map((r) => r.snapshots.map((s) => s.epoch)));
  const times = computed(() => timeline(epochsOf.value));
  const timeAt = (i: number) => times.value[clampIndex(i, times.value.length)] ?? 0;
  /** Run k's snapshot at timeline position i: its last at or before that epoch. */
  const positionOf = (k: number, i: number): Position => positionAt(epochsOf.value[k]!, timeAt(i));
  const seqOf = (k: number, i: number): number => compared.value[k]!.snapshots[positionOf(k, i).index]!.seq;

  const matchable = computed(() => MATCHABLE.includes(layer.value) && shown.value.length > 1);
  const matching = computed(() => match.value && matchable.value);
  /** Matching compares each run's last snapshot of the layer (and for conv2 of conv1 too, whose order its inputs follow). */
  const lastWeights = (r: RunDetail, t: TensorName) => player.tensorAt(r.id, t, r.snapshots.at(-1)!.seq);

  const player = useSeriesPlayer({
    count: () => times.value.length,
    ready: (i) => compared.value.every((r, k) => player.tensorAt(r.id, tensor.value, seqOf(k, i)) !== undefined),
  });
  player.follow((at) =>
    compared.value.flatMap((r, k): Focus[] => {
      const shape = r.tensors.find((t) => t.name === tensor.value)!.shape;
      const last = r.snapshots.at(-1)!.seq;
      const own: Focus = {
        key: cacheKey(r.id, tensor.value), seqs: r.snapshots.map((s) => s.seq), at: positionOf(k, at).index, bytes: tensorBytes(shape),
        urgent: matching.value ? [seqOf(k, at), last] : [seqOf(k, at)],
      };
      if (!(matching.value && layer.value === 'conv2')) return [own];
      const conv1 = r.tensors.find((t) => t.name === 'conv1/kernel')!;
      return [own, { key: cacheKey(r.id, conv1.name), seqs: [last], at: 0, bytes: tensorBytes(conv1.shape), urgent: [last] }];
    }),
  );
  const { index, playing, loop, fps, waiting, loading } = player;
  function statsOf(r: RunDetail) {
    return player.statsOf(r.id, tensor.value);
  }

  const epoch = computed(() => timeAt(index.value));
  const positions = computed<Position[]>(() => compared.value.map((_, k) => positionOf(k, index.value)));

  /**
   * Per compared run: how its filters were matched to the first run's (null for the first, and when not
   * matching); undefined while the last snapshots they are matched on are on the way.
   */
  const matches = computed<(Matched | null)[] | undefined>(() => {
    const list = compared.value;
    if (!matching.value) return list.map(() => null);
    const [a, ...others] = list;
    const shape = a!.tensors.find((t) => t.name === tensor.value)!.shape;
    const wa = lastWeights(a!, tensor.value);
    const c1a = layer.value === 'conv2' ? lastWeights(a!, 'conv1/kernel') : undefined;
    const out: (Matched | null)[] = [null];
    for (const b of others) {
      const wb = lastWeights(b, tensor.value);
      if (!wa || !wb) return undefined;
      if (layer.value !== 'conv2') {
        out.push({ outputs: matchFilters(shape, wa, wb) });
        continue;
      }
      // conv2 of run b with its input channels in the order conv1 was matched to run a's.
      const c1b = lastWeights(b, 'conv1/kernel');
      const c1Shape = a!.tensors.find((t) => t.name === 'conv1/kernel')!.shape;
      if (!c1a || !c1b) return undefined;
      const inputs = c1Shape.join() === b.tensors.find((t) => t.name === 'conv1/kernel')!.shape.join() ? matchFilters(c1Shape, c1a, c1b).order : undefined;
      const aligned = inputs ? reorder(shape, wb, { inputs }) : wb;
      out.push({ outputs: matchFilters(shape, wa, aligned), inputs });
    }
    return out;
  });
  const reorderOf = (k: number): Reorder | null => {
    const m = matches.value?.[k];
    return m ? { outputs: m.outputs, inputs: m.inputs } : null;
  };
  /** What run k draws at timeline position i: its snapshot there, reordered when matched (undefined until both are known). */
  function drawnAt(k: number, i: number): Float32Array | undefined {
    const r = compared.value[k]!;
    const raw = player.tensorAt(r.id, tensor.value, seqOf(k, i));
    if (!raw || (matching.value && !matches.value)) return undefined;
    const m = reorderOf(k);
    return m ? reorder(r.tensors.find((t) => t.name === tensor.value)!.shape, raw, m) : raw;
  }

  /** Everything that does not change with the epoch: each run's picture and the one shared scale. */
  const view = computed<LayerView | null>(() => {
    const stats = compared.value.map((r) => statsOf(r)!);
    if (stats.length === 0) return null;
    return markRaw(layerView(stats.map((s) => s.shape), statsScale(stats), { layer: layer.value, colormap: colormap.value, zoom: 1 }));
  });
  /** Per compared run, its values and picture at the position; null where its snapshot is on the way. */
  const columns = computed(() => {
    const v = view.value;
    return compared.value.map((_, k) => {
      const values = v ? drawnAt(k, index.value) : undefined;
      return values ? { values, picture: markRaw(renderFrame(v!, k, values)) } : null;
    });
  });
  const pictures = computed<(RenderedTensor | null)[]>(() => columns.value.map((c) => c?.picture ?? null));

  const canDiff = computed(() => compared.value.length >= 2);
  /** The fixed scale of A − B over the whole timeline, from the main side (the statistics cannot know it). */
  const diffScale = shallowRef<{ key: string; scale: Scale } | null>(null);
  const diffKey = computed(() => {
    if (!canDiff.value || !showDiff.value || (matching.value && !matches.value)) return null;
    const [a, b] = compared.value;
    return JSON.stringify([tensor.value, a!.id, b!.id, times.value, reorderOf(1)]);
  });
  watch(diffKey, async (key) => {
    if (!key) return;
    const [a, b] = compared.value;
    const at = times.value.map((_, i) => i);
    const m = reorderOf(1);
    try {
      const { filterMaxAbs } = await api.call('weights.diffScale', {
        tensor: tensor.value,
        a: { runId: a!.id, seqs: at.map((i) => seqOf(0, i)) },
        b: { runId: b!.id, seqs: at.map((i) => seqOf(1, i)) },
        reorderB: m?.outputs ? { order: m.outputs.order, signs: m.outputs.signs as (1 | -1)[], inputs: m.inputs && [...m.inputs] } : undefined,
      });
      if (diffKey.value === key) diffScale.value = markRaw({ key, scale: scaleFor([filterMaxAbs.length], filterMaxAbs, 'layer') });
    } catch (err) {
      error.value = (err as Error).message;
    }
  });
  /** Run A − run B at the position, on its own fixed scale; null until both snapshots and the scale are in. */
  const difference = computed<{ values: Float32Array; scale: Scale; picture: RenderedTensor } | null>(() => {
    const v = view.value;
    const s = diffScale.value;
    const [a, b] = columns.value;
    if (!v || !s || s.key !== diffKey.value || !a || !b) return null;
    const values = a.values.map((x, i) => x - b.values[i]!);
    const picture = renderIndices(values, v.runs[0]!.shape, layer.value, { colormap: colormap.value, scale: s.scale, layout: v.runs[0]!.layout, zoom: 1 });
    return markRaw({ values, scale: s.scale, picture });
  });
  /** Per timeline position: whether every compared run's snapshot there is in memory (the scrubber shows it). */
  const loaded = computed(() => {
    const have = compared.value.map((r) => player.loadedSeqs(r.id, tensor.value));
    return times.value.map((_, i) => have.every((h, k) => h.has(seqOf(k, i))));
  });

  /** Opens a set of runs at epoch `at` (default: the end); keeps what was fetched for runs that stay. */
  async function open(ids: readonly number[], at?: number): Promise<void> {
    error.value = null;
    try {
      runs.value = markRaw(await Promise.all(ids.map((id) => api.call('runs.get', { id }))));
      player.keepRuns(ids);
      await loadLayer(layer.value);
      if (at !== undefined && Number.isFinite(at)) seekEpoch(at);
      else player.seek(times.value.length - 1);
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** The layer's statistics for every run (their scale; their snapshots follow by themselves). */
  async function loadLayer(l: LayerName): Promise<void> {
    await player.loadStats(runs.value.map((run) => ({ run, tensor: kernelOf(l) })));
  }

  /** A compared run stored a snapshot or changed status: its details, then the layer's new statistics. */
  async function refresh(runId: number): Promise<void> {
    const i = runs.value.findIndex((r) => r.id === runId);
    if (i < 0) return;
    const followNewest = player.atEnd();
    const next = [...runs.value];
    next[i] = await api.call('runs.get', { id: runId });
    runs.value = markRaw(next);
    await loadLayer(layer.value);
    if (followNewest && !playing.value) index.value = times.value.length - 1;
  }

  function setLayer(l: LayerName): void {
    layer.value = l;
    zoom.value = DEFAULT_ZOOM[l];
    void loadLayer(l).catch((err: Error) => (error.value = err.message));
  }

  /** Moves to the timeline position nearest epoch e. */
  function seekEpoch(e: number): void {
    const t = times.value;
    if (t.length === 0) return;
    let best = 0;
    t.forEach((v, k) => {
      if (Math.abs(v - e) < Math.abs(t[best]! - e)) best = k;
    });
    index.value = best;
  }

  /** The compared runs' weights for a GIF, as drawn here (matched runs reordered), fetched as the frames need them. */
  function gifSource(): WeightSource {
    const list = compared.value;
    const shape = list[0]!.tensors.find((t) => t.name === tensor.value)!.shape;
    const from = player.exportSource(list.map((r) => ({ runId: r.id, seqs: r.snapshots.map((s) => s.seq) })), tensor.value, tensorBytes(shape));
    const orders = list.map((_, k) => reorderOf(k));
    return async (k, seq) => {
      const raw = await from(k, seq);
      return orders[k] ? reorder(shape, raw, orders[k]!) : raw;
    };
  }

  return {
    runs, error, layer, index, colormap, zoom, match, showDiff, playing, loop, fps, waiting, loading, loadError: player.loadError,
    compat, shown, compared, epochsOf, times, epoch, positions, matchable, matching, matches, view, columns, pictures, canDiff, difference, loaded,
    open, loadLayer, refresh, setLayer, seekEpoch, gifSource, seek: player.seek, toggle: player.toggle, close: player.stop,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useCompareStore, import.meta.hot));
