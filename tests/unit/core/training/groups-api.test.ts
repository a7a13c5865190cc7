/** groups.* through `dispatch`, as IPC and HTTP call them: bad input is refused naming the field and stores nothing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, type ApiResult } from '../../../../src-preload/api.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';

let dir: string;
let db: Db;
let call: (method: string, input: unknown) => Promise<ApiResult<unknown>>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-groups-api-'));
  db = openDatabase(join(dir, 'w.db'));
  const handlers = createHandlers(coreContext({ db, dbPath: join(dir, 'w.db'), shell: 'browser', emit: () => {} }));
  call = (method, input) => dispatch(handlers, method, input);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const stored = () => (db.prepare('SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM run_groups) AS n').get() as { n: number }).n;

describe('groups through the API', () => {
  it.each([
    [{ datasetId: 1, seeds: [1], config: {} }, 'bad-input', 'groups.start: seeds: at least 2 seeds (one seed is a single run)'],
    [{ datasetId: 1, seeds: [1, 2, 1], config: {} }, 'bad-input', 'groups.start: seeds: must not repeat a seed'],
    [{ datasetId: 1, seeds: [1, 2], kind: 'noisy', config: {} }, 'bad-input', 'groups.start: kind: the kind is one of plain, freeze'],
    [{ datasetId: 1, seeds: [1, 2], config: { epoch: 1 } }, 'bad-input', 'groups.start: config.epoch: Unrecognized key: "epoch"'],
    [{ datasetId: 99, seeds: [1, 2], config: {} }, 'not-found', 'no data set #99'],
  ])('refuses %j, storing nothing', async (input, code, message) => {
    const result = await call('groups.start', input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.message).toBe(message);
    expect(stored()).toBe(0);
  });

  it('answers not-found for a group that is not there', async () => {
    for (const method of ['groups.get', 'groups.stop', 'groups.resume', 'groups.remove']) {
      expect(await call(method, { id: 7 })).toMatchObject({ ok: false, error: { code: 'not-found', message: 'no group #7', field: 'id' } });
    }
    expect(await call('groups.list', {})).toEqual({ ok: true, value: [] });
  });
});
