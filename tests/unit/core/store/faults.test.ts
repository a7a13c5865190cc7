/**
 * Database files as a desktop machine leaves them: not a database at all, cut short, another program's,
 * with damaged pages, on a read-only medium. Each fault is made for real on a real file; what is checked
 * is what a person sees (a refusal naming the file, a database for browsing only) and that nothing was
 * written over the file.
 */
import { coreContext } from '../../../../src-main/core/startup.ts';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch, LAYERS, runConfigSchema, TENSOR_NAMES, type ApiResult, type LayerChange, type LayerName } from '../../../../src-preload/api.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { openCore } from '../../../../src-main/core/startup.ts';
import { checkIntegrity } from '../../../../src-main/core/store/check.ts';
import { openDatabase, readOnlyReason, type Db } from '../../../../src-main/core/store/db.ts';
import { createRun, listRuns } from '../../../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../../../src-main/core/store/snapshots.ts';
import { SAMPLE_DIR } from '../training/sample.ts';
import { mountProblem, mountTmpfs, remount, unmount } from './filesystems.ts';
import { LENET_SHAPES } from '../../../helpers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-faults-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LAYER_STATS = Object.fromEntries(LAYERS.map((l) => [l, { norm: 1, relChangePrev: 0, relChangeInit: 0 }])) as Record<LayerName, LayerChange>;

/** A real Weightlapse database with one finished run of `snapshots` LeNet-sized snapshots, closed and checkpointed. */
function weightlapseDb(path: string, snapshots = 3): void {
  const db = openDatabase(path);
  const runId = createRun(db, {
    name: 'stored',
    datasetId: null,
    datasetName: 'Fashion-MNIST',
    datasetPath: '/nowhere',
    inputShape: [28, 28, 1],
    classes: [],
    config: runConfigSchema.parse({ epochs: snapshots - 1 }),
    status: 'done',
  });
  for (let seq = 0; seq < snapshots; seq++) {
    insertSnapshot(db, runId, {
      seq,
      epoch: seq,
      metrics: { trainLoss: null, trainAccuracy: null, testLoss: 2.3, testAccuracy: 0.1 },
      layers: LAYER_STATS,
      tensors: TENSOR_NAMES.map((name) => ({ name, shape: LENET_SHAPES[name]!, data: Float32Array.from({ length: LENET_SHAPES[name]!.reduce((a, b) => a * b) }, (_, i) => seq + i / 1e6) })),
    });
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Overwrites one page of the file (numbered from 1, as SQLite does) with a pattern, from `offset` within it. */
function damagePage(path: string, page: number, offset = 0): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(4096 - offset, 0xab), 0, 4096 - offset, (page - 1) * 4096 + offset);
  } finally {
    closeSync(fd);
  }
}

const handlersFor = (db: Db) => createHandlers(coreContext({ db, dbPath: db.name, shell: 'browser', emit: () => {} }));

describe('a file that is not a usable database', () => {
  it('is refused with a message naming it, and left byte for byte as it was', () => {
    const real = join(dir, 'real.db');
    weightlapseDb(real);
    const foreign = join(dir, 'places.sqlite');
    const other = new Database(foreign);
    other.exec('CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT); INSERT INTO moz_places (url) VALUES (\'https://example.org\')');
    other.close();
    const cutShort = join(dir, 'copied-in-part.db');
    writeFileSync(cutShort, readFileSync(real).subarray(0, Math.floor(statSync(real).size / 2)));
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)));
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'not a database\n'); // SQLite alone would take a file this short for an empty database
    const folder = join(dir, 'folder.db');
    mkdirSync(folder);

    // The file, the refusal, and whether SQLite's own integrity check passes it (another program's database is whole).
    const cases: [string, RegExp, boolean][] = [
      [garbage, /is not a Weightlapse database: it is not an SQLite file at all\. It has not been changed\./, false],
      [text, /is not a Weightlapse database: it is not an SQLite file at all/, false],
      [cutShort, /is cut short: its header says \d+ bytes \(\d+ pages\), the file has \d+;/, false],
      [foreign, /is another program's SQLite database \(it has tables moz_places but no Weightlapse schema\)\. It has not been changed\./, true],
      [folder, /is a folder, not a database file/, false],
    ];
    for (const [path, message, whole] of cases) {
      const before = statSync(path).isFile() ? readFileSync(path) : undefined;
      expect(() => openDatabase(path), path).toThrow(message);
      expect(() => openDatabase(path), path).toThrow(path);
      if (before) expect(readFileSync(path).equals(before), path).toBe(true);
      expect(checkIntegrity(path).ok, path).toBe(whole);
    }
    expect(checkIntegrity(real)).toEqual({ path: real, ok: true, checked: true, problems: [] });
  });

  it('with damaged weight pages still opens; reading them is an error naming the file, and the integrity check says which table', async () => {
    const path = join(dir, 'w.db');
    weightlapseDb(path);
    // The last pages of the file hold the last snapshot's weights.
    const pages = statSync(path).size / 4096;
    damagePage(path, pages - 2);

    const db = openDatabase(path);
    try {
      const call = (method: string, input: unknown) => dispatch(handlersFor(db), method, input);
      expect(listRuns(db)).toHaveLength(1);
      const reads = await Promise.all(TENSOR_NAMES.map((tensor) => call('weights.get', { runId: 1, tensor, seq: 2 })));
      const failed = reads.filter((r): r is Extract<ApiResult<unknown>, { ok: false }> => !r.ok);
      expect(failed.length).toBeGreaterThan(0);
      for (const { error } of failed) {
        expect(error.message).toMatch(`${path} is damaged (SQLite: database disk image is malformed); \`weightlapse db check\``);
      }
      expect((await call('weights.get', { runId: 1, tensor: 'conv1/kernel', seq: 0 })).ok).toBe(true);
    } finally {
      db.close();
    }
    const report = checkIntegrity(path);
    expect(report).toMatchObject({ ok: false, checked: true });
    expect(report.problems.join('\n')).toMatch(/\(in table tensors\)/);
  });

  it('with a damaged schema page is refused on opening, and left as it was', () => {
    const path = join(dir, 'w.db');
    weightlapseDb(path);
    damagePage(path, 1, 100); // after the 100-byte header: the table of tables
    const before = readFileSync(path);
    expect(() => openDatabase(path)).toThrow(`${path} is damaged (SQLite: `);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(checkIntegrity(path).ok).toBe(false);
  });
});

describe('a database that cannot be written', () => {
  it('on a read-only medium opens for browsing; training and edits are off and say why', async ({ skip }) => {
    if (mountProblem) skip(mountProblem);
    const medium = mountTmpfs(16);
    try {
      const path = join(medium, 'w.db');
      weightlapseDb(path);
      remount(medium, 'ro');
      const core = await openCore(path, { shell: 'browser' });
      try {
        expect(readOnlyReason(core.ctx.db)).toBe(`${path} is on a read-only file system`);
        const call = (method: string, input: unknown) => dispatch(createHandlers(core.ctx), method, input);
        expect(await call('app.info', {})).toMatchObject({ ok: true, value: { readOnly: `${path} is on a read-only file system` } });
        expect(await call('runs.list', {})).toMatchObject({ ok: true, value: [{ id: 1, status: 'done' }] });
        expect((await call('weights.series', { runId: 1, tensor: 'conv1/kernel' })).ok).toBe(true);
        const refusal = `${path} is read-only (${path} is on a read-only file system): training and edits are off`;
        for (const [method, input] of [
          ['runs.rename', { id: 1, name: 'renamed' }],
          ['runs.remove', { id: 1 }],
          ['datasets.add', { path: SAMPLE_DIR }],
        ] as const) {
          const result = await call(method, input);
          expect(result, method).toMatchObject({ ok: false, error: { code: 'unavailable' } });
          if (!result.ok) expect(result.error.message, method).toMatch(refusal);
        }
        expect(listRuns(core.ctx.db)[0]!.name).toBe('stored');
      } finally {
        await core.close();
      }
    } finally {
      unmount(medium);
    }
  });

  it('that is new and cannot be created is refused, naming the folder', ({ skip }) => {
    if (mountProblem) skip(mountProblem);
    const medium = mountTmpfs(1);
    try {
      remount(medium, 'ro');
      expect(() => openDatabase(join(medium, 'new.db'))).toThrow(`${join(medium, 'new.db')} cannot be created: ${medium} is on a read-only file system`);
    } finally {
      unmount(medium);
    }
  });

  it('holding no Weightlapse data yet, read-only, is refused rather than left half-made', ({ skip }) => {
    if (mountProblem) skip(mountProblem);
    const medium = mountTmpfs(1);
    try {
      const path = join(medium, 'empty.db');
      copyFileSync('/dev/null', path);
      remount(medium, 'ro');
      expect(() => openDatabase(path)).toThrow(`${path} holds no Weightlapse data yet, which needs writing to it, but it is read-only`);
    } finally {
      unmount(medium);
    }
  });
});
