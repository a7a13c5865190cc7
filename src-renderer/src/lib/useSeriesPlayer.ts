/**
 * What the run page and the compare view both hold in their stores: the player (position, play/pause,
 * loop, speed, and the timer that steps it) and the cache of the weight series they fetched. A series
 * is fetched once per run and tensor; later calls only fetch the snapshots a running run stored since.
 */
import type { RunDetail, TensorName, TensorSeries } from '@contract/api.ts';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { useApi } from './context.ts';
import { clampIndex, nextIndex } from './playback.ts';

/** Appends the snapshots in `more` that `have` lacks (a running run's new epochs). */
export function appendSeries(have: TensorSeries, more: TensorSeries): TensorSeries {
  const size = have.shape.reduce((a, b) => a * b, 1);
  const known = new Set(have.seqs);
  const keep = more.seqs.map((s, i) => [s, i] as const).filter(([s]) => !known.has(s));
  if (keep.length === 0) return have;
  const data = new Float32Array(have.data.length + keep.length * size);
  data.set(have.data);
  keep.forEach(([, i], k) => data.set(more.data.subarray(i * size, (i + 1) * size), have.data.length + k * size));
  return { shape: have.shape, seqs: [...have.seqs, ...keep.map(([s]) => s)], data };
}

const keyOf = (runId: number, tensor: TensorName) => `${runId}|${tensor}`;

/** `count`: how many positions the player steps through (it may change as series arrive). */
export function useSeriesPlayer(count: () => number) {
  const api = useApi();

  // ---- The player.
  const index = ref(0);
  const playing = ref(false);
  const loop = ref(true);
  const fps = ref(4);

  function seek(i: number): void {
    index.value = clampIndex(i, count());
  }
  let timer: ReturnType<typeof setInterval> | null = null;
  function stopTimer(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }
  function tick(): void {
    const next = nextIndex(index.value, count(), loop.value);
    if (next === null) playing.value = false;
    else index.value = next;
  }
  watch([playing, fps], ([on, rate]) => {
    stopTimer();
    if (!on) return;
    // Pressing play at the last frame starts over, as every video player does.
    if (index.value >= count() - 1) index.value = 0;
    timer = setInterval(tick, 1000 / rate);
  });
  const toggle = () => (playing.value = !playing.value);
  function stop(): void {
    playing.value = false;
    stopTimer();
  }
  /** True when the player shows the last position (a running run's newest snapshot is followed from there). */
  const atEnd = () => index.value >= count() - 1;

  // ---- The series cache: per run and tensor, raw (never deep-reactive: megabytes of floats).
  const series = shallowRef<Record<string, TensorSeries>>({});
  const inFlight = ref(0);
  const loading = computed(() => inFlight.value > 0);
  /** Bumped when series are dropped, so that a fetch started before does not bring its run back. */
  let generation = 0;

  const seriesOf = (runId: number, tensor: TensorName): TensorSeries | undefined => series.value[keyOf(runId, tensor)];

  /**
   * Fetches what is missing of each (run, tensor): all of it the first time, a running run's new
   * snapshots later. A tensor the run does not have, or a run with no snapshot yet, fetches nothing.
   */
  async function fetchSeries(wanted: readonly { run: RunDetail; tensor: TensorName }[]): Promise<void> {
    const started = generation;
    inFlight.value++;
    try {
      const got = await Promise.all(
        wanted.map(async ({ run, tensor }) => {
          if (!run.tensors.some((t) => t.name === tensor)) return null;
          const have = seriesOf(run.id, tensor);
          const missing = run.snapshots.map((s) => s.seq).filter((s) => !have?.seqs.includes(s));
          if (missing.length === 0) return null;
          const more = await api.call('weights.series', have ? { runId: run.id, tensor, seqs: missing } : { runId: run.id, tensor });
          return [run.id, tensor, more] as const;
        }),
      );
      if (started !== generation) return;
      const next = { ...series.value };
      for (const g of got) {
        if (!g) continue;
        const [runId, tensor, more] = g;
        // Appended to what is there now: another fetch may have added snapshots meanwhile.
        const have = seriesOf(runId, tensor);
        next[keyOf(runId, tensor)] = markRaw(have ? appendSeries(have, more) : more);
      }
      series.value = next;
    } finally {
      inFlight.value--;
    }
  }

  /** Keeps only the series of these runs (the others were closed). */
  function keepRuns(runIds: readonly number[]): void {
    generation++;
    series.value = Object.fromEntries(Object.entries(series.value).filter(([k]) => runIds.includes(Number(k.split('|')[0]))));
  }

  return { index, playing, loop, fps, seek, toggle, stop, atEnd, series, loading, seriesOf, fetchSeries, keepRuns };
}
