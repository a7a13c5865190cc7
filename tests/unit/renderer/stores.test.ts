/**
 * The stores against the real core: a fresh SQLite file, the real handlers (through `coreClient`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src-preload/api.ts';
import { openCore, type Core } from '../../../src-main/core/startup.ts';
import { setApi } from '../../../src-renderer/src/lib/context.ts';
import { useDatasetsStore } from '../../../src-renderer/src/stores/datasets.ts';
import { useRunsStore } from '../../../src-renderer/src/stores/runs.ts';
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
