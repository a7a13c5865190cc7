/**
 * What the run page and the compare view both hold in their stores: the player (position, play/pause,
 * loop, speed, and the timer that steps it) and the weights it plays — each tensor's statistics, and
 * its snapshots in a cache bounded by `WEIGHT_BUDGET`. Nothing waits for a whole series: the snapshots
 * on screen are fetched first, the rest of the series follows in the background, nearest the position
 * first (`weightCache.ts`). Playing steps on only when the next frame is in memory.
 */
import type { RunDetail, TensorName, TensorStats } from '@contract/api.ts';
import type { WeightSource } from '@render/animation.ts';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { useApi } from './context.ts';
import { clampIndex, nextIndex } from './playback.ts';
import { WeightCache, WEIGHT_BUDGET, cacheKey, plan, runOfKey, type Focus } from './weightCache.ts';

/**
 * Snapshots fetched in one background request: a few of a small layer's, one of fc1's (a snapshot that
 * comes alone is kept as it came, without a copy), never enough to hold up the position's own fetch long.
 */
const CHUNK_BYTES = 2 * 2 ** 20;

export interface SeriesPlayerOptions {
  /** How many positions the player steps through (it changes as a running run stores snapshots). */
  count: () => number;
  /** Whether position i can be drawn now: its snapshots are in memory. */
  ready: (i: number) => boolean;
  budget?: number;
}

/** What the page looks at with the player at position `at` (re-read whenever what it reads changes). */
export type Foci = (at: number) => Focus[];

export function useSeriesPlayer(o: SeriesPlayerOptions) {
  const api = useApi();

  // ---- The player.
  const index = ref(0);
  const playing = ref(false);
  const loop = ref(true);
  const fps = ref(4);

  function seek(i: number): void {
    index.value = clampIndex(i, o.count());
  }
  const next = () => nextIndex(index.value, o.count(), loop.value);
  /** Playing, and the next frame is not in memory yet: the player waits for it (and says so). */
  const waiting = computed(() => {
    const n = playing.value ? next() : null;
    return n !== null && !o.ready(n);
  });
  let timer: ReturnType<typeof setInterval> | null = null;
  function stopTimer(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }
  function tick(): void {
    const n = next();
    if (n === null) playing.value = false;
    else if (o.ready(n)) index.value = n;
  }
  watch([playing, fps], ([on, rate]) => {
    stopTimer();
    if (!on) return;
    // Pressing play at the last frame starts over, as every video player does.
    if (index.value >= o.count() - 1) index.value = 0;
    timer = setInterval(tick, 1000 / rate);
  });
  const toggle = () => (playing.value = !playing.value);
  function stop(): void {
    playing.value = false;
    stopTimer();
  }
  /** True when the player shows the last position (a running run's newest snapshot is followed from there). */
  const atEnd = () => index.value >= o.count() - 1;

  // ---- Statistics, per run and tensor (small: a few numbers per snapshot).
  const stats = shallowRef<Record<string, TensorStats>>({});
  const statsOf = (runId: number, tensor: TensorName): TensorStats | undefined => stats.value[cacheKey(runId, tensor)];
  /** Bumped when runs are dropped, so that an answer to an older request does not bring one back. */
  let generation = 0;

  /** Statistics on their way, by generation and key: asked again meanwhile, they are waited for, not fetched twice. */
  const statsInFlight = new Map<string, Promise<void>>();
  const statsLoading = ref(0);

  /** Fetches the statistics the runs lack (or have for fewer snapshots than they now store). */
  async function loadStats(wanted: readonly { run: RunDetail; tensor: TensorName }[]): Promise<void> {
    const started = generation;
    const fetchStats = async (run: RunDetail, tensor: TensorName) => {
      const got = markRaw(await api.call('weights.stats', { runId: run.id, tensor }));
      if (started === generation) stats.value = { ...stats.value, [cacheKey(run.id, tensor)]: got };
    };
    await Promise.all(
      wanted
        .filter(({ run, tensor }) => run.tensors.some((t) => t.name === tensor) && run.snapshots.length > 0)
        .filter(({ run, tensor }) => statsOf(run.id, tensor)?.seqs.length !== run.snapshots.length)
        .map(({ run, tensor }) => {
          const id = `${started}:${cacheKey(run.id, tensor)}:${run.snapshots.length}`;
          let pending = statsInFlight.get(id);
          if (!pending) {
            statsLoading.value++;
            pending = fetchStats(run, tensor).finally(() => {
              statsInFlight.delete(id);
              statsLoading.value--;
            });
            statsInFlight.set(id, pending);
          }
          return pending;
        }),
    );
  }

  // ---- Snapshots, within the budget.
  const cache = new WeightCache(o.budget ?? WEIGHT_BUDGET);
  /** Read by everything that reads the cache, so that it follows what arrives and what is evicted. */
  const version = shallowRef(0);
  const inFlight = new Set<string>();
  let background = false;
  const failed = new Set<string>();
  /** A fetch failed (the run was deleted, a snapshot is missing): said in place, and not tried again. */
  const loadError = ref<string | null>(null);
  const inFlightCount = ref(0);
  const loading = computed(() => inFlightCount.value > 0);

  const tensorAt = (runId: number, tensor: TensorName, seq: number): Float32Array | undefined => {
    void version.value;
    return cache.get(cacheKey(runId, tensor), seq);
  };
  const loadedSeqs = (runId: number, tensor: TensorName): Set<number> => {
    void version.value;
    return cache.seqsOf(cacheKey(runId, tensor));
  };

  /**
   * Fetches snapshots into the cache. `afterTask`: the request starts once the current task is over, so
   * that what the screen does not need now never delays the frame being drawn (an epoch step by key).
   */
  async function fetchInto(key: string, seqs: number[], afterTask = false): Promise<void> {
    const ids = seqs.map((s) => `${key}#${s}`);
    ids.forEach((id) => inFlight.add(id));
    inFlightCount.value++;
    const started = generation;
    try {
      if (afterTask) await new Promise((next) => setTimeout(next, 0));
      const [runId, tensor] = [runOfKey(key), key.slice(key.indexOf('|') + 1) as TensorName];
      const got = await api.call('weights.series', { runId, tensor, seqs });
      if (started !== generation) return;
      const size = got.data.length / got.seqs.length;
      // One snapshot is kept as it came; several are copied apart, so that evicting one frees its memory.
      got.seqs.forEach((seq, i) => cache.put(key, seq, got.seqs.length === 1 ? got.data : got.data.slice(i * size, (i + 1) * size)));
      version.value++;
    } catch (err) {
      failed.add(key);
      loadError.value = (err as Error).message;
      version.value++;
    } finally {
      ids.forEach((id) => inFlight.delete(id));
      inFlightCount.value--;
    }
  }

  const foci = shallowRef<Foci>(() => []);
  /**
   * Whether the page still waits for what it needs first: the statistics it asked for, the snapshots on
   * screen, and each focus's snapshot at its position (another layer's, for a quick switch). The rest of
   * a series, loading in the background, does not count.
   */
  const busy = computed(() => {
    void version.value;
    return (
      statsLoading.value > 0 ||
      foci.value(index.value).some((f) => !failed.has(f.key) && [...f.urgent, f.seqs[f.at]].some((s) => s !== undefined && !cache.has(f.key, s)))
    );
  });
  /** Starts the fetches the page needs now: what is on screen at once, the rest of the plan one chunk at a time. */
  function pump(): void {
    const want = foci.value(index.value).filter((f) => !failed.has(f.key) && f.seqs.length > 0);
    const wanted = plan(want, cache.budget);
    cache.keep(wanted);
    const missing = (key: string, seq: number) => !cache.has(key, seq) && !inFlight.has(`${key}#${seq}`);
    const pending = (list: readonly Focus[]) => list.some((f) => f.urgent.some((s) => !cache.has(f.key, s)));
    const fetchUrgent = (list: readonly Focus[], afterTask: boolean) => {
      for (const f of list) {
        const urgent = f.urgent.filter((s) => missing(f.key, s));
        if (urgent.length) void fetchInto(f.key, urgent, afterTask).then(pump);
      }
    };
    // What the screen needs first; then, all at once, what is wanted right after it.
    const [now, soon] = [want.filter((f) => !f.soon), want.filter((f) => f.soon)];
    fetchUrgent(now, false);
    if (pending(now)) return;
    fetchUrgent(soon, true);
    // The background waits while those are on their way: they would share one connection and one server.
    if (background || pending(soon)) return;
    const first = wanted.find((w) => missing(w.key, w.seq));
    if (!first) return;
    const bytes = want.find((f) => f.key === first.key)!.bytes;
    const chunk = wanted
      .filter((w) => w.key === first.key && missing(w.key, w.seq))
      .slice(0, Math.max(1, Math.floor(CHUNK_BYTES / bytes)))
      .map((w) => w.seq);
    background = true;
    void fetchInto(first.key, chunk, true).finally(() => {
      background = false;
      pump();
    });
  }
  /** From now on, keeps in memory what `f` says the page looks at, fetching what is missing. */
  function follow(f: Foci): void {
    foci.value = f;
    watch(() => f(index.value), pump, { immediate: true });
  }

  /** Keeps only the statistics and snapshots of these runs (the others were closed). */
  function keepRuns(runIds: readonly number[]): void {
    generation++;
    cache.keepRuns(runIds);
    stats.value = Object.fromEntries(Object.entries(stats.value).filter(([k]) => runIds.includes(runOfKey(k))));
    failed.clear();
    loadError.value = null;
    version.value++;
  }

  /**
   * The weights of a layer for a GIF export, snapshot by snapshot in the order the frames need them:
   * from memory where they are, otherwise fetched a chunk ahead and held only until their frame is drawn.
   */
  function exportSource(runs: readonly { runId: number; seqs: readonly number[] }[], tensor: TensorName, bytes: number): WeightSource {
    const held = runs.map(() => new Map<number, Float32Array>());
    return async (k, seq) => {
      const { runId, seqs } = runs[k]!;
      const have = cache.get(cacheKey(runId, tensor), seq) ?? held[k]!.get(seq);
      if (have) return have;
      const from = seqs.indexOf(seq);
      const ahead = from < 0 ? [seq] : seqs.slice(from, from + Math.max(1, Math.floor(CHUNK_BYTES / bytes)));
      const got = await api.call('weights.series', { runId, tensor, seqs: ahead });
      const size = got.data.length / got.seqs.length;
      held[k] = new Map(got.seqs.map((s, i) => [s, got.data.subarray(i * size, (i + 1) * size)]));
      return held[k]!.get(seq)!;
    };
  }

  return {
    index, playing, loop, fps, waiting, seek, toggle, stop, atEnd,
    stats, statsOf, loadStats, tensorAt, loadedSeqs, loading, busy, loadError, keepRuns, follow, exportSource,
  };
}
