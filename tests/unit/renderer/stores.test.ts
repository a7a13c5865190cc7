/**
 * The stores against the real core: a fresh SQLite file, the real handlers (through `coreClient`).
 * The viewer and compare stores get runs written into that file by the store's own `insertSnapshot`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, LAYERS, type LayerChange, type LayerName, type TensorSeries } from '../../../src-preload/api.ts';
import { DEFAULT_ZOOM } from '../../../src-main/shared/render/animation.ts';
import { diffSeries, tensorAt } from '../../../src-main/shared/render/diff.ts';
import { openCore, type Core } from '../../../src-main/core/startup.ts';
import { insertSnapshot } from '../../../src-main/core/store/snapshots.ts';
import { setApi } from '../../../src-renderer/src/lib/context.ts';
import { useCompareStore } from '../../../src-renderer/src/stores/compare.ts';
import { useDatasetsStore } from '../../../src-renderer/src/stores/datasets.ts';
import { useRunsStore } from '../../../src-renderer/src/stores/runs.ts';
import { useViewerStore } from '../../../src-renderer/src/stores/viewer.ts';
import { storeRun } from '../core/gif/store.ts';
import { coreClient } from './core-client.ts';

let dir: string;
let core: Core;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-stores-'));
  core = await openCore(join(dir, 'test.db'), { host: 'browser' });
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
    expect(store.datasets.length).toBe(1);
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

/** Stores one more snapshot of every tensor the run has (what a trainer does each epoch), the last one's weights plus `step`. */
async function appendSnapshot(runId: number, epoch: number, step: number): Promise<void> {
  const run = await coreClient(core).call('runs.get', { id: runId });
  const last = run.snapshots.at(-1)!;
  const layers = Object.fromEntries(LAYERS.map((l) => [l, { norm: 1, relChangePrev: 0, relChangeInit: 0 }])) as Record<LayerName, LayerChange>;
  const tensors = await Promise.all(
    run.tensors.map(async ({ name, shape }) => {
      const { data } = await coreClient(core).call('weights.get', { runId, tensor: name, seq: last.seq });
      return { name, shape, data: data.map((v) => v + step) };
    }),
  );
  insertSnapshot(core.ctx.db, runId, { seq: last.seq + 1, epoch, metrics: last.metrics, layers, tensors });
}

describe('the viewer store', () => {
  it('opens a run at conv1 and draws it on the scale of its whole series', async () => {
    const id = storeRun(core.ctx.db, 'alpha', [0, 0.5, 1, 2]);
    const viewer = useViewerStore();
    await viewer.open(id);
    expect(viewer.error).toBeNull();
    expect(viewer.run?.name).toBe('alpha');
    const series = viewer.current as TensorSeries;
    expect(series.seqs).toEqual([0, 1, 2, 3]);
    expect(viewer.count).toBe(4);
    expect(viewer.view!.scale.max).toBe(maxAbs(series.data));
    viewer.seek(9);
    expect(viewer.index).toBe(3);
    expect(viewer.snapshot?.epoch).toBe(2);
    expect(viewer.picture?.layout.kind).toBe('filters');
  });

  it('fetches another layer when it is chosen, at that layer’s zoom, and draws diffs on their own scale', async () => {
    const id = storeRun(core.ctx.db, 'alpha', [0, 1, 2]);
    const viewer = useViewerStore();
    await viewer.open(id);
    viewer.setLayer('conv2');
    expect(viewer.zoom).toBe(DEFAULT_ZOOM.conv2);
    await expect.poll(() => viewer.current?.shape).toEqual([5, 5, 20, 50]);
    expect(viewer.picture?.layout.kind).toBe('kernels');
    const plain = viewer.view!.scale.max;
    viewer.diff = 'init';
    expect(viewer.view!.scale.max).toBe(maxAbs(diffSeries(viewer.current!, 'init').data));
    expect(viewer.view!.scale.max).toBeLessThan(plain);
  });

  it('says so in place when the run does not exist', async () => {
    const viewer = useViewerStore();
    await viewer.open(404);
    expect(viewer.error).toMatch(/no run .*404/);
    expect(viewer.view).toBeNull();
  });

  it('follows a running run’s new snapshots from the end, and leaves a person who scrubbed back where they are', async () => {
    const id = storeRun(core.ctx.db, 'growing', [0, 1]);
    const viewer = useViewerStore();
    await viewer.open(id);
    viewer.seek(1);
    await appendSnapshot(id, 2, 0.5);
    await viewer.refresh();
    expect(viewer.current!.seqs).toEqual([0, 1, 2]);
    expect(viewer.index).toBe(2);
    expect(tensorAt(viewer.current!, 2)[0]).toBeCloseTo(tensorAt(viewer.current!, 1)[0]! + 0.5, 5);

    viewer.seek(0);
    await appendSnapshot(id, 3, 0.5);
    await viewer.refresh();
    expect(viewer.count).toBe(4);
    expect(viewer.index).toBe(0);
  });

  it('plays at its speed, starts over at the end, and stops at the end without loop', async () => {
    vi.useFakeTimers();
    try {
      const id = storeRun(core.ctx.db, 'alpha', [0, 1, 2]);
      const viewer = useViewerStore();
      await viewer.open(id);
      viewer.fps = 10;
      viewer.seek(2);
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

describe('the compare store', () => {
  it('puts the runs on one timeline and one scale; a shorter run holds its last snapshot', async () => {
    const a = storeRun(core.ctx.db, 'long', [0, 0.5, 1, 2], 1);
    const b = storeRun(core.ctx.db, 'short', [0, 1], 2);
    const compare = useCompareStore();
    await compare.open([a, b]);
    expect(compare.error).toBeNull();
    expect(compare.shown).toEqual([0, 1]);
    expect(compare.times).toEqual([0, 0.5, 1, 2]);
    const [sa, sb] = compare.stored!;
    expect(compare.view!.scale.max).toBe(Math.max(maxAbs(sa!.data), maxAbs(sb!.data)));

    compare.seekEpoch(2);
    expect(compare.positions).toEqual([{ index: 3, held: false }, { index: 1, held: true }]);
    compare.seekEpoch(0.6);
    expect(compare.epoch).toBe(0.5);
    expect(compare.positions[1]).toEqual({ index: 0, held: false });
    // A − B at the shown epoch: run A's snapshot minus the one run B shows there.
    const d = tensorAt(compare.difference!.series, compare.index);
    expect(d[5]).toBeCloseTo(tensorAt(sa!, 1)[5]! - tensorAt(sb!, 0)[5]!, 6);
  });

  it('matches conv2 filters after fetching conv1 too, and keeps what it fetched for runs that stay', async () => {
    const a = storeRun(core.ctx.db, 'a', [0, 1], 1);
    const b = storeRun(core.ctx.db, 'b', [0, 1], 2);
    const c = storeRun(core.ctx.db, 'c', [0, 1], 3);
    const compare = useCompareStore();
    await compare.open([a, b]);
    compare.setLayer('conv2');
    compare.match = true;
    await expect.poll(() => compare.matches[1]?.order.length).toBe(50);
    expect(Object.keys(compare.series).sort()).toEqual([`${a}|conv1/kernel`, `${a}|conv2/kernel`, `${b}|conv1/kernel`, `${b}|conv2/kernel`]);

    const kept = compare.series[`${a}|conv2/kernel`];
    await compare.open([a, c]);
    expect(compare.series[`${a}|conv2/kernel`]).toBe(kept);
    expect(Object.keys(compare.series).some((k) => k.startsWith(`${b}|`))).toBe(false);
    expect(compare.runs.map((r) => r.name)).toEqual(['a', 'c']);
  });

  it('says which run is missing', async () => {
    const a = storeRun(core.ctx.db, 'a', [0, 1], 1);
    const compare = useCompareStore();
    await compare.open([a, 404]);
    expect(compare.error).toMatch(/404/);
  });
});
