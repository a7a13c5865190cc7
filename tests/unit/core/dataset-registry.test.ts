import Database from 'better-sqlite3';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { coreContext } from '../../../src-main/core/startup.ts';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  dispatch,
  runConfigSchema,
  type ApiResult,
  type DatasetInfo,
  type DatasetProgress,
  type DatasetSamples,
  type EventName,
  type Handlers,
} from '../../../src-preload/api.ts';
import type { EmitEvent } from '../../../src-preload/api.ts';
import { createHandlers } from '../../../src-main/core/api/handlers.ts';
import { BUNDLED_SAMPLES, ensureBundledDatasets } from '../../../src-main/core/dataset-registry.ts';
import { listDatasets } from '../../../src-main/core/store/datasets.ts';
import { openDatabase, type Db } from '../../../src-main/core/store/db.ts';
import { createRun, getStoredRun } from '../../../src-main/core/store/runs.ts';
import { migrations } from '../../../src-main/core/store/migrations.ts';
import { cifarFolder, expectSameBytes, idxFolder, SAMPLE, sampleIdx } from '../datasets/fixtures.ts';
import { removeTempDirs, tempDir, unwrap } from '../../helpers.ts';
import { classFolders, imageDirs, writeTree } from '../datasets/image-folders.ts';

const MNIST_SAMPLE = BUNDLED_SAMPLES[1]!.dir;

afterAll(removeTempDirs);

let db: Db;
let handlers: Handlers;
let events: EventName[];

beforeEach(() => {
  db = openDatabase(join(tempDir(), 'weightlapse.db'));
  events = [];
  const emit = (event: EventName) => void events.push(event);
  handlers = createHandlers(coreContext({ db, dbPath: '', shell: 'browser', emit }));
  return () => db.close();
});

async function call<T>(method: string, input: unknown): Promise<ApiResult<T>> {
  return (await dispatch(handlers, method, input)) as ApiResult<T>;
}
const ok = async <T>(method: string, input: unknown) => unwrap<T>(await call<T>(method, input));

describe('data set registry through the API', () => {
  it('registers the bundled samples once, and follows them when the app moved', async () => {
    const ids = await ensureBundledDatasets(db);
    expect(await ensureBundledDatasets(db)).toEqual(ids);
    const [fashion, mnist] = await ok<DatasetInfo[]>('datasets.list', {});
    expect(fashion).toMatchObject({ id: ids[0], name: 'Fashion-MNIST sample', bundled: true, available: true, path: SAMPLE, shape: [28, 28, 1] });
    expect([fashion!.train.count, fashion!.test.count]).toEqual([6000, 1000]);
    expect(mnist).toMatchObject({ id: ids[1], name: 'MNIST sample', bundled: true, available: true, path: MNIST_SAMPLE, shape: [28, 28, 1] });
    expect(mnist!.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // The package's 10,000 digits, one in seven of each held out for testing.
    expect([mnist!.train.count, mnist!.test.count]).toEqual([8571, 1429]);
    for (const split of [mnist!.train, mnist!.test]) {
      for (const n of split.perClass) expect(n / split.count).toBeGreaterThan(0.08);
    }

    const installed = tempDir();
    const moved = BUNDLED_SAMPLES.map(({ dir, name }) => ({ dir: join(installed, basename(dir)), name }));
    for (const [k, { dir }] of moved.entries()) cpSync(BUNDLED_SAMPLES[k]!.dir, dir, { recursive: true });
    expect(await ensureBundledDatasets(db, moved)).toEqual(ids);
    expect(listDatasets(db).map((d) => d.path)).toEqual(moved.map((m) => m.dir));
  });

  it('adds a checked data set, lists it, and notices when its files change or go', async () => {
    const dir = idxFolder({ gzip: true });
    const added = await ok<DatasetInfo>('datasets.add', { path: dir, name: 'my copy' });
    expect(added).toMatchObject({ name: 'my copy', path: dir, format: 'idx', available: true, bundled: false });
    expect(added.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(events).toEqual(['datasets.changed']);
    expect((await ok<DatasetInfo[]>('datasets.list', {})).map((d) => d.available)).toEqual([true]);

    const again = await call('datasets.add', { path: dir });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', message: `${dir} is already added, as "my copy" (#${added.id})` } });

    // One byte of one label, changed on disk.
    const labels = join(dir, 't10k-labels-idx1-ubyte.gz');
    const original = readFileSync(labels);
    const changed = Buffer.from(original);
    changed[changed.length - 1] ^= 1;
    writeFileSync(labels, changed);
    const [stale] = await ok<DatasetInfo[]>('datasets.list', {});
    expect(stale).toMatchObject({ available: false, problem: `${dir}: its files changed since it was added; add it again to use it` });
    const samples = await call('datasets.samples', { id: added.id });
    expect(samples).toMatchObject({ ok: false, error: { code: 'unavailable' } });

    writeFileSync(labels, original);
    expect((await ok<DatasetInfo[]>('datasets.list', {}))[0]!.available).toBe(true);
    rmSync(labels);
    expect((await ok<DatasetInfo[]>('datasets.list', {}))[0]!.problem).toBe(`${dir}: IDX data set incomplete: missing t10k-labels-idx1-ubyte[.gz]`);
  });

  it('stores nothing for a bad data set, and says why', async () => {
    const dir = idxFolder({ change: { trainLabels: (b) => ((b[8 + 5] = 200), b) } });
    const result = await call('datasets.add', { path: dir });
    expect(result).toEqual({
      ok: false,
      error: { code: 'bad-input', message: `${join(dir, 'train-labels-idx1-ubyte')}: label 200 at position 5 is out of range: there are 10 classes (0–9)` },
    });
    expect(listDatasets(db)).toEqual([]);
    expect(events).toEqual([]);
  });

  it('inspects without storing', async () => {
    const d = await ok<{ train: { count: number } }>('datasets.inspect', { path: SAMPLE });
    expect(d.train.count).toBe(6000);
    expect(listDatasets(db)).toEqual([]);
    expect(await call('datasets.inspect', { path: join(SAMPLE, 'README.md') })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('gives the first test images of each class as samples', async () => {
    const [id] = await ensureBundledDatasets(db);
    const s = await ok<DatasetSamples>('datasets.samples', { id, perClass: 3 });
    expect(s.shape).toEqual([28, 28, 1]);
    expect(s.classes).toHaveLength(10);
    expect(s.labels).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9]);
    expect(s.images.length).toBe(30 * 784);
    // Each is the first test image of its class, in file order.
    const labels = sampleIdx('testLabels').subarray(8);
    const images = sampleIdx('testImages').subarray(16);
    const firstOfClass = (c: number, k: number) => [...labels.keys()].filter((i) => labels[i] === c)[k]!;
    for (const [n, c, k] of [[0, 0, 0], [4, 1, 1], [29, 9, 2]] as const) {
      const i = firstOfClass(c, k);
      expectSameBytes(s.images.subarray(n * 784, (n + 1) * 784), images.subarray(i * 784, (i + 1) * 784));
    }

    const cifar = await ok<DatasetInfo>('datasets.add', { path: cifarFolder({ perBatch: 60 }).dir });
    const c = await ok<DatasetSamples>('datasets.samples', { id: cifar.id, perClass: 1 });
    expect(c.shape).toEqual([32, 32, 3]);
    expect(c.images.length).toBe(c.labels.length * 3072);
  });

  it('removes a data set but keeps the runs trained on it; the bundled one stays', async () => {
    const bundled = await ensureBundledDatasets(db);
    const added = await ok<DatasetInfo>('datasets.add', { path: idxFolder() });
    const runId = createRun(db, {
      name: 'r',
      datasetId: added.id,
      datasetName: added.name,
      datasetPath: added.path,
      inputShape: added.shape,
      classes: added.classes,
      config: runConfigSchema.parse({}),
    });
    events = [];
    expect(await call('datasets.remove', { id: added.id })).toEqual({ ok: true, value: undefined });
    expect(events).toEqual(['datasets.changed']);
    expect(listDatasets(db).map((d) => d.id)).toEqual(bundled);
    expect(getStoredRun(db, runId)).toMatchObject({ datasetId: null, datasetPath: added.path });

    expect(await call('datasets.remove', { id: added.id })).toMatchObject({ ok: false, error: { code: 'not-found', message: `no data set #${added.id}` } });
    expect(await call('datasets.remove', { id: bundled[0] })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

describe('folders of images through the API', () => {
  it('adds a folder as prepared, reports the preparation as it goes, and tells one preparation from another', async () => {
    const { root } = imageDirs('leaves');
    await classFolders(root, [4, 8], 9);
    const progress: DatasetProgress[] = [];
    const emit: EmitEvent = (event, payload) => void (event === 'datasets.progress' ? progress.push(payload as DatasetProgress) : events.push(event));
    handlers = createHandlers(coreContext({ db, dbPath: '', shell: 'browser', emit }));

    const added = await ok<DatasetInfo>('datasets.add', { path: root, images: { shape: '32x32x3', fit: 'squash' } });
    expect(added).toMatchObject({ name: 'leaves', format: 'images', shape: [32, 32, 3], classes: ['Bag', 'Coat'], available: true });
    expect(added.images).toMatchObject({ folder: root, split: 'holdout', options: { shape: '32x32x3', fit: 'squash', seed: 1 } });
    // Beside the database, named after it.
    expect(dirname(added.path)).toBe(join(dirname(db.name), 'weightlapse.datasets'));
    expect(added.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['scanning', 'decoding', 'writing']));
    expect(progress.every((p) => p.folder === root)).toBe(true);
    expect(events).toEqual(['datasets.changed']);

    // Stored as it was prepared.
    const [listed] = await ok<DatasetInfo[]>('datasets.list', {});
    expect(listed).toEqual(added);

    expect(await call('datasets.add', { path: root, images: { shape: '32x32x3', fit: 'squash' } })).toMatchObject({
      ok: false,
      error: { code: 'conflict', field: 'path', message: `${root}, prepared this way, is already added, as "leaves" (#${added.id})` },
    });
    const grey = await ok<DatasetInfo>('datasets.add', { path: root, name: 'leaves, grey' });
    expect(grey).toMatchObject({ shape: [28, 28, 1], images: { options: { shape: 'auto', fit: 'crop' } } });

    // Samples are what the network sees: the prepared 32×32 colour images.
    const s = await ok<DatasetSamples>('datasets.samples', { id: added.id, perClass: 2 });
    expect(s).toMatchObject({ shape: [32, 32, 3], classes: ['Bag', 'Coat'], labels: [0, 0, 1, 1] });
    expect(s.images.length).toBe(4 * 32 * 32 * 3);

    // A changed folder: both are unavailable, saying what changed; nothing else moves.
    writeTree(root, { 'Bag/more.png': readFileSync(join(root, readdirSync(root)[0]!, readdirSync(join(root, 'Bag'))[0]!)) });
    const stale = await ok<DatasetInfo[]>('datasets.list', {});
    expect(stale.map((d) => [d.available, d.problem])).toEqual([
      [false, `${root}: changed since it was prepared (1 file added); add it again to use its files as they are now`],
      [false, `${root}: changed since it was prepared (1 file added); add it again to use its files as they are now`],
    ]);
    expect(await call('datasets.samples', { id: added.id })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const fresh = await ok<DatasetInfo>('datasets.add', { path: root, images: { shape: '32x32x3', fit: 'squash' } });
    expect(fresh.train.count + fresh.test.count).toBe(19);

    // Removing forgets it and deletes its prepared file, never the folder.
    expect(await call('datasets.remove', { id: added.id })).toEqual({ ok: true, value: undefined });
    expect(existsSync(added.path)).toBe(false);
    expect(existsSync(fresh.path)).toBe(true);
    expect(readdirSync(join(root, 'Bag'))).toHaveLength(10);
  });

  it('refuses image options for other formats, bad options, and bad folders, storing nothing', async () => {
    expect(await call('datasets.inspect', { path: SAMPLE, images: { shape: '28x28x1' } })).toEqual({
      ok: false,
      error: { code: 'bad-input', field: 'images', message: `images: these options are for a folder of images, but ${SAMPLE} is an IDX data set` },
    });
    const { root } = imageDirs();
    writeTree(root, { 'a/1.png': 'x', 'b/2.png': 'y' });
    expect(await call('datasets.add', { path: root, images: { holdout: 0.9 } })).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'images.holdout' } });
    expect(await call('datasets.add', { path: root, images: { crop: true } })).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'images.crop' } });
    const bad = await call('datasets.add', { path: root });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    if (!bad.ok) expect(bad.error.message).toMatch(/^.*: no usable images: 2 files skipped/);
    expect(listDatasets(db)).toEqual([]);
    // It said how far preparing got, and nothing else.
    expect(events).not.toContain('datasets.changed');
  });

  it('migrates a version-1 database: its data sets and their runs stay linked', () => {
    const path = join(tempDir(), 'v1.db');
    const v1 = new Database(path);
    v1.pragma('foreign_keys = ON');
    migrations[0]!.up(v1);
    v1.pragma('user_version = 1');
    v1.prepare(
      `INSERT INTO datasets (name, path, format, shape, classes, train_count, test_count, per_class, checksum, added_at)
       VALUES ('c', '/data/cifar', 'cifar10', '[32,32,3]', '["a","b"]', 2, 1, '{"train":[1,1],"test":[1,0]}', 'sha256:x', 't')`,
    ).run();
    v1.prepare(
      `INSERT INTO runs (name, dataset_id, dataset_name, dataset_path, input_shape, classes, config, status, created_at, updated_at)
       VALUES ('r', 1, 'c', '/data/cifar', '[32,32,3]', '[]', '{}', 'done', 't', 't')`,
    ).run();
    v1.close();

    const migrated = openDatabase(path);
    try {
      expect(listDatasets(migrated)).toEqual([expect.objectContaining({ id: 1, format: 'cifar10', path: '/data/cifar', train: { count: 2, perClass: [1, 1] } })]);
      expect(listDatasets(migrated)[0]).not.toHaveProperty('images');
      expect(getStoredRun(migrated, 1)).toMatchObject({ datasetId: 1 });
      expect(() => migrated.prepare("UPDATE datasets SET format = 'png' WHERE id = 1").run()).toThrow(/CHECK constraint failed/);
    } finally {
      migrated.close();
    }
  });
});
