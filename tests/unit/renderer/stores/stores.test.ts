/**
 * The stores against the real core: a fresh SQLite file, the real handlers (through `coreClient`).
 * The viewer and compare stores get runs written into that file by the store's own `insertSnapshot`;
 * their numbers are checked against the whole series fetched here through the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { effectScope } from 'vue';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, LAYERS, type ApiClient, type LayerChange, type LayerName, type TensorSeries } from '../../../../src-preload/api.ts';
import { DEFAULT_ZOOM } from '../../../../src-main/shared/render/animation.ts';
import { tensorAt } from '../../../../src-main/shared/render/diff.ts';
import { openCore, type Core } from '../../../../src-main/core/startup.ts';
import { insertSnapshot } from '../../../../src-main/core/store/snapshots.ts';
import { setApi } from '../../../../src-renderer/src/lib/context.ts';
import { useSeriesPlayer } from '../../../../src-renderer/src/lib/useSeriesPlayer.ts';
import { cacheKey } from '../../../../src-renderer/src/lib/weightCache.ts';
import { useCompareStore } from '../../../../src-renderer/src/stores/compare.ts';
import { useDatasetsStore } from '../../../../src-renderer/src/stores/datasets.ts';
import { useRunsStore } from '../../../../src-renderer/src/stores/runs.ts';
import { useViewerStore } from '../../../../src-renderer/src/stores/viewer.ts';
import { storeRun } from '../../core/gif/store.ts';
import { coreClient } from '../core-client.ts';

let dir: string;
let core: Core;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-stores-'));
  core = await openCore(join(dir, 'test.db'), { shell: 'browser' });
  setApi(coreClient(core));
  setActivePinia(createPinia());
});

afterEach(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the data sets store', () => {
  it('lists the bundled sample and caches its sample images', async () => {
    const store = useDatasetsStore();
    await store.refresh();
    const sample = store.datasets.find((d) => d.bundled)!;
    expect(sample).toMatchObject({ format: 'idx', shape: [28, 28, 1], available: true });
    const s = await store.loadSamples(sample.id, 3);
    expect(s.labels.length).toBe(30);
    expect(s.images.length).toBe(30 * 28 * 28);
    expect(await store.loadSamples(sample.id, 2)).toBe(s);
  });

  it('passes the API’s error for a bad path on, naming the field', async () => {
    const store = useDatasetsStore();
    const err = await store.add(join(dir, 'nothing-here')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toContain('nothing-here');
    expect(store.datasets.filter((d) => !d.bundled)).toEqual([]);
  });

  it('refreshes when the core says the data sets changed', async () => {
    const store = useDatasetsStore();
    const off = store.listen();
    core.ctx.emit('datasets.changed', {});
    await expect.poll(() => store.loaded).toBe(true);
    expect(store.datasets.map((d) => d.name)).toEqual(['Fashion-MNIST sample', 'MNIST sample']);
    off();
  });
});

describe('the runs store', () => {
  it('starts empty, reports a bad start with its field, and keeps progress only for running runs', async () => {
    const store = useRunsStore();
    await store.refresh();
    expect(store.runs).toEqual([]);
    const err = (await store.start(1, { epochs: 0 }).catch((e: unknown) => e)) as ApiError;
    expect(err.field).toBe('config.epochs');

    const off = store.listen();
    core.ctx.emit('run.progress', { runId: 9, epoch: 1, epochs: 2, batch: 3, batches: 10, loss: 1, accuracy: 0.5, imagesPerSecond: 100, etaSeconds: 5 });
    expect(store.progress[9]?.batch).toBe(3);
    await store.refresh();
    expect(store.progress[9]).toBeUndefined();
    off();
  });

  it('flips the sort direction on the same column, and picks a natural one on a new column', () => {
    const store = useRunsStore();
    expect([store.sortKey, store.sortDir]).toEqual(['createdAt', 'desc']);
    store.sortBy('createdAt');
    expect(store.sortDir).toBe('asc');
    store.sortBy('name');
    expect([store.sortKey, store.sortDir]).toEqual(['name', 'asc']);
    store.sortBy('bestTestAccuracy');
    expect(store.sortDir).toBe('desc');
  });
});

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const api = () => coreClient(core);
const series = (runId: number, layer: LayerName) => api().call('weights.series', { runId, tensor: `${layer}/kernel` });
/** Every snapshot's difference to one reference position of the series. */
const minus = (s: TensorSeries, ref: (i: number) => number) => s.data.map((v, k) => v - tensorAt(s, ref(Math.floor(k / (s.data.length / s.seqs.length))))[k % (s.data.length / s.seqs.length)]!);

/** Stores one more snapshot of every tensor the run has (what a trainer does each epoch): the last one's weights plus `step`. */
async function appendSnapshot(runId: number, epoch: number, step: number): Promise<void> {
  const run = await api().call('runs.get', { id: runId });
  const last = run.snapshots.at(-1)!;
  const layers = Object.fromEntries(LAYERS.map((l) => [l, { norm: 1, relChangePrev: 0, relChangeInit: 0 }])) as Record<LayerName, LayerChange>;
  const tensors = await Promise.all(
    run.tensors.map(async ({ name, shape }) => {
      const { data } = await api().call('weights.get', { runId, tensor: name, seq: last.seq });
      return { name, shape, data: data.map((v) => v + step) };
    }),
  );
  insertSnapshot(core.ctx.db, runId, { seq: last.seq + 1, epoch, metrics: last.metrics, layers, tensors });
}

describe('the viewer store', () => {
  it('opens a run at its last snapshot, draws it on the scale of its whole series, and fills in the rest behind', async () => {
    const id = storeRun(core.ctx.db, 'alpha', [0, 0.5, 1, 2]);
    const viewer = useViewerStore();
    await viewer.open(id);
    expect(viewer.error).toBeNull();
    expect(viewer.run?.name).toBe('alpha');
    expect(viewer.index).toBe(3);
    const all = await series(id, 'conv1');
    expect(viewer.view!.scale.max).toBe(maxAbs(all.data));
    await expect.poll(() => viewer.picture?.layout.kind).toBe('filters');
    expect(viewer.weights).toEqual(tensorAt(all, 3));
    await expect.poll(() => viewer.loaded).toEqual([true, true, true, true]);
    viewer.seek(9);
    expect([viewer.index, viewer.snapshot?.epoch]).toEqual([3, 2]);
  });

  it('switches layer at that layer’s zoom, and draws differences on their own scale (− previous, − initial, − a chosen epoch)', async () => {
    const id = storeRun(core.ctx.db, 'alpha', [0, 1, 2]);
    const viewer = useViewerStore();
    await viewer.open(id, 1);
    viewer.setLayer('conv2');
    expect(viewer.zoom).toBe(DEFAULT_ZOOM.conv2);
    await expect.poll(() => viewer.picture?.layout.kind).toBe('kernels');
    const all = await series(id, 'conv2');
    expect(viewer.weights).toEqual(tensorAt(all, 1));
    const plain = viewer.view!.scale.max;
    viewer.diff = 'init';
    expect(viewer.view!.scale.max).toBe(maxAbs(minus(all, () => 0)));
    expect(viewer.view!.scale.max).toBeLessThan(plain);
    viewer.diff = 'prev';
    expect(viewer.view!.scale.max).toBe(maxAbs(minus(all, (i) => Math.max(0, i - 1))));
    viewer.diffSeq = 2;
    viewer.diff = 'seq';
    await expect.poll(() => viewer.view?.scale.max).toBe(maxAbs(minus(all, () => 2)));
    await expect.poll(() => viewer.picture !== null).toBe(true);
    expect(viewer.refWeights).toEqual(tensorAt(all, 2));
  });

  it('says so in place when the run does not exist, or is deleted while it is open', async () => {
    const viewer = useViewerStore();
    await viewer.open(404);
    expect(viewer.error).toMatch(/no run .*404/);
    expect(viewer.view).toBeNull();

    const id = storeRun(core.ctx.db, 'doomed', [0, 1]);
    await viewer.open(id);
    await api().call('runs.remove', { id });
    await viewer.refresh();
    expect(viewer.error).toMatch(new RegExp(`no run #${id}.*gone`));
  });

  it('follows a running run’s new snapshots from the end, and leaves a person who scrubbed back where they are', async () => {
    const id = storeRun(core.ctx.db, 'growing', [0, 1]);
    const viewer = useViewerStore();
    await viewer.open(id);
    await appendSnapshot(id, 2, 0.5);
    await viewer.refresh();
    expect(viewer.snapshots.length).toBe(3);
    expect(viewer.index).toBe(2);
    expect(viewer.stats?.seqs).toEqual([0, 1, 2]);
    await expect.poll(() => viewer.weights?.[0]).toBeCloseTo((await series(id, 'conv1')).data[500]! + 0.5, 5);

    viewer.seek(0);
    await appendSnapshot(id, 3, 0.5);
    await viewer.refresh();
    expect(viewer.snapshots.length).toBe(4);
    expect(viewer.index).toBe(0);
  });

  it('plays at its speed, starts over at the end, and stops at the end without loop', async () => {
    const id = storeRun(core.ctx.db, 'alpha', [0, 1, 2]);
    const viewer = useViewerStore();
    await viewer.open(id);
    await expect.poll(() => viewer.loaded.every(Boolean)).toBe(true);
    vi.useFakeTimers();
    try {
      viewer.fps = 10;
      viewer.toggle();
      await vi.advanceTimersByTimeAsync(0);
      expect(viewer.index).toBe(0); // play at the last frame starts over
      await vi.advanceTimersByTimeAsync(100);
      expect(viewer.index).toBe(1);
      await vi.advanceTimersByTimeAsync(200);
      expect(viewer.index).toBe(0); // looped
      viewer.loop = false;
      await vi.advanceTimersByTimeAsync(500);
      expect([viewer.index, viewer.playing]).toEqual([2, false]);
      viewer.close();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the weights a page keeps in memory', () => {
  /**
   * The real core's client, with every weights.series call logged (its seqs, and its tensor in `tensors`)
   * and held (a slow network) until `flush()` lets the held ones through, or `release()` all from then on.
   */
  function gatedClient() {
    const real = api();
    const calls: number[][] = [];
    const tensors: string[] = [];
    const held: (() => void)[] = [];
    let open = false;
    const flush = () => held.splice(0).forEach((go) => go());
    const client: ApiClient = {
      async call(method, input) {
        if (method === 'weights.series') {
          calls.push([...((input as { seqs?: number[] }).seqs ?? [])]);
          tensors.push((input as { tensor: string }).tensor);
          if (!open) await new Promise<void>((go) => held.push(go));
        }
        return real.call(method, input);
      },
      on: real.on,
    };
    return { client, calls, tensors, flush, release: () => ((open = true), flush()) };
  }

  /** The composable alone, on conv2 of a stored run, at position `at`, with a budget of `fit` snapshots. */
  function player(runSeqs: number[], runId: number, at: number, fit: number) {
    const scope = effectScope();
    const loadedAt = (i: number): boolean => p.tensorAt(runId, 'conv2/kernel', runSeqs[i]!) !== undefined;
    const p: ReturnType<typeof useSeriesPlayer> = scope.run(() => useSeriesPlayer({ count: () => runSeqs.length, ready: loadedAt, budget: fit * 100_000 }))!;
    p.seek(at);
    scope.run(() => p.follow((i: number) => [{ key: cacheKey(runId, 'conv2/kernel'), seqs: runSeqs, at: i, bytes: 100_000, urgent: [runSeqs[i]!] }]));
    return { p, stop: () => scope.stop(), loaded: () => [...p.loadedSeqs(runId, 'conv2/kernel')].sort((a, b) => a - b) };
  }

  it('fetches the snapshot on screen alone first, then the nearest ones, within the budget; farther ones are evicted as the position moves', async () => {
    const id = storeRun(core.ctx.db, 'ten', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const gate = gatedClient();
    setApi(gate.client);
    const seqs = [...Array(10).keys()];
    const { p, stop, loaded } = player(seqs, id, 8, 4);
    await expect.poll(() => gate.calls.length).toBeGreaterThan(0);
    expect(gate.calls[0]).toEqual([8]);
    gate.release();
    await expect.poll(loaded).toEqual([6, 7, 8, 9]);
    expect(gate.calls.flat().sort((a, b) => a - b)).toEqual([6, 7, 8, 9]);
    expect(p.tensorAt(id, 'conv2/kernel', 7)).toEqual(tensorAt(await series(id, 'conv2'), 7));

    p.seek(1);
    await expect.poll(loaded).toEqual([0, 1, 2, 3]);
    p.seek(9);
    await expect.poll(loaded).toEqual([6, 7, 8, 9]);
    stop();
  });

  it('fetches the other layers’ snapshot at the position right after the one on screen, all at once, before the rest of its series', async () => {
    const id = storeRun(core.ctx.db, 'four', [0, 1, 2, 3]);
    const gate = gatedClient();
    setApi(gate.client);
    const viewer = useViewerStore();
    void viewer.open(id);
    await expect.poll(() => gate.calls.length).toBe(1);
    expect([gate.tensors[0], gate.calls[0]]).toEqual(['conv1/kernel', [3]]);
    expect(viewer.busy).toBe(true);
    gate.flush();
    // The other layers stored (conv2, fc2) at seq 3, asked for together, and nothing more while they are on their way.
    await expect.poll(() => gate.calls.length).toBe(3);
    expect(gate.tensors.slice(1).sort()).toEqual(['conv2/kernel', 'fc2/kernel']);
    expect(gate.calls.slice(1)).toEqual([[3], [3]]);
    await new Promise((r) => setTimeout(r, 50));
    expect(gate.calls.length).toBe(3);
    expect(viewer.busy).toBe(true);
    gate.release();
    // Then what the screen needs first is in (the activation views may start), and conv1's series fills in.
    await expect.poll(() => viewer.busy).toBe(false);
    await expect.poll(() => viewer.loaded).toEqual([true, true, true, true]);
    expect(gate.tensors.slice(3)).toEqual(['conv1/kernel']);
    // A switch then draws at once, from memory; only the rest of fc2's series is fetched.
    viewer.setLayer('fc2');
    expect(viewer.weights).toEqual(tensorAt(await series(id, 'fc2'), 3));
    await expect.poll(() => viewer.loaded).toEqual([true, true, true, true]);
    expect(gate.calls.slice(4).flat().sort()).toEqual([0, 1, 2]);
  });

  it('plays on only to a frame in memory, and says it waits', async () => {
    const id = storeRun(core.ctx.db, 'five', [0, 1, 2, 3, 4]);
    const gate = gatedClient();
    setApi(gate.client);
    const { p, stop } = player([0, 1, 2, 3, 4], id, 0, 5);
    p.fps.value = 30;
    p.toggle();
    await new Promise((r) => setTimeout(r, 200));
    expect(p.index.value).toBe(0);
    expect(p.waiting.value).toBe(true);
    gate.release();
    await expect.poll(() => p.index.value).toBeGreaterThan(0);
    p.stop();
    stop();
  });
});

describe('the compare store', () => {
  it('puts the runs on one timeline and one scale; a shorter run holds its last snapshot; A − B on its own scale', async () => {
    const a = storeRun(core.ctx.db, 'long', [0, 0.5, 1, 2], 1);
    const b = storeRun(core.ctx.db, 'short', [0, 1], 2);
    const compare = useCompareStore();
    await compare.open([a, b]);
    expect(compare.error).toBeNull();
    expect(compare.shown).toEqual([0, 1]);
    expect(compare.times).toEqual([0, 0.5, 1, 2]);
    const [sa, sb] = [await series(a, 'conv1'), await series(b, 'conv1')];
    expect(compare.view!.scale.max).toBe(Math.max(maxAbs(sa.data), maxAbs(sb.data)));

    compare.seekEpoch(2);
    expect(compare.positions).toEqual([{ index: 3, held: false }, { index: 1, held: true }]);
    compare.seekEpoch(0.6);
    expect(compare.epoch).toBe(0.5);
    expect(compare.positions[1]).toEqual({ index: 0, held: false });
    // A − B at the shown epoch: run A's snapshot minus the one run B shows there; its scale over the whole timeline.
    await expect.poll(() => compare.difference !== null).toBe(true);
    expect(compare.difference!.values[5]).toBeCloseTo(tensorAt(sa, 1)[5]! - tensorAt(sb, 0)[5]!, 6);
    const pairs = [[0, 0], [1, 0], [2, 1], [3, 1]];
    expect(compare.difference!.scale.max).toBe(Math.max(...pairs.map(([i, j]) => maxAbs(tensorAt(sa, i!).map((v, k) => v - tensorAt(sb, j!)[k]!)))));
  });

  it('matches conv2 filters on the last snapshots (conv1’s too), and keeps what it fetched for runs that stay', async () => {
    const a = storeRun(core.ctx.db, 'a', [0, 1], 1);
    const b = storeRun(core.ctx.db, 'b', [0, 1], 2);
    const c = storeRun(core.ctx.db, 'c', [0, 1], 3);
    const compare = useCompareStore();
    await compare.open([a, b]);
    compare.setLayer('conv2');
    compare.match = true;
    await expect.poll(() => compare.matches?.[1]?.outputs.order.length).toBe(50);
    expect(compare.matches![1]!.inputs).toHaveLength(20);
    await expect.poll(() => compare.columns.every((col) => col !== null)).toBe(true);

    compare.match = false;
    await compare.open([a, c]);
    expect(compare.runs.map((r) => r.name)).toEqual(['a', 'c']);
    // Run a's snapshot on screen is still in memory: drawn at once.
    expect(compare.columns[0]).not.toBeNull();
  });

  it('says which run is missing', async () => {
    const a = storeRun(core.ctx.db, 'a', [0, 1], 1);
    const compare = useCompareStore();
    await compare.open([a, 404]);
    expect(compare.error).toMatch(/404/);
  });
});
