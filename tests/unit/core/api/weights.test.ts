/**
 * The weights.* methods through `dispatch` (as IPC and HTTP call them) on a real database: statistics,
 * partial series fetches, the difference scale worked out on the main side, and clear refusals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, type ApiResult, type Handlers, type Input, type MethodName, type Output } from '../../../../src-preload/api.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { tensorAt } from '../../../../src-main/shared/render/diff.ts';
import { matchFilters, reorderSeries } from '../../../../src-main/shared/render/match-filters.ts';
import { openCore, type Core } from '../../../../src-main/core/startup.ts';
import { readStatsSeries } from '../../../../src-main/core/store/tensor-stats.ts';
import { storeRun } from '../gif/store.ts';
import { callValue } from '../../../helpers.ts';

let dir: string;
let core: Core;
let handlers: Handlers;
let runA: number;
let runB: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-weights-'));
  core = await openCore(join(dir, 'w.db'), { shell: 'browser' });
  handlers = createHandlers(core.ctx);
  runA = storeRun(core.ctx.db, 'a', [0, 0.5, 1, 2], 1);
  runB = storeRun(core.ctx.db, 'b', [0, 1, 2], 2);
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = <M extends MethodName>(method: M, input: Input<M>) => dispatch(handlers, method, input) as Promise<ApiResult<Output<M>>>;
const value = <M extends MethodName>(method: M, input: Input<M>) => callValue(handlers, method, input);
const maxAbsPerFilter = (a: Float32Array, filters: number, into: Float32Array) =>
  a.forEach((v, i) => (into[i % filters] = Math.max(into[i % filters]!, Math.abs(v))));

describe('weights.stats', () => {
  it('answers with the statistics stored with the snapshots', async () => {
    const stats = await value('weights.stats', { runId: runA, tensor: 'conv2/kernel' });
    expect(stats.seqs).toEqual([0, 1, 2, 3]);
    expect(stats.filterMaxAbs.length).toBe(4 * 50);
    expect(stats).toEqual(readStatsSeries(core.ctx.db, runA, 'conv2/kernel'));
  });

  it('says which run is unknown, and which has nothing stored yet', async () => {
    expect(await call('weights.stats', { runId: 999, tensor: 'conv1/kernel' })).toEqual({ ok: false, error: { code: 'not-found', message: 'no run #999', field: 'runId' } });
    expect(await call('weights.stats', { runId: runA, tensor: 'fc1/kernel' })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'runId' } });
  });
});

describe('weights.series, in part', () => {
  it('returns exactly the snapshots asked for, in seq order', async () => {
    const all = await value('weights.series', { runId: runA, tensor: 'conv1/kernel' });
    const part = await value('weights.series', { runId: runA, tensor: 'conv1/kernel', seqs: [3, 1] });
    expect(part.seqs).toEqual([1, 3]);
    expect(part.data).toEqual(Float32Array.from([...tensorAt(all, 1), ...tensorAt(all, 3)]));
  });

  it('refuses a snapshot that does not exist, naming it, rather than answering with fewer', async () => {
    expect(await call('weights.series', { runId: runA, tensor: 'conv1/kernel', seqs: [1, 7, 9] })).toEqual({
      ok: false, error: { code: 'not-found', message: `run #${runA} has no snapshot 7, 9`, field: 'seqs' },
    });
    expect(await call('weights.get', { runId: runA, tensor: 'conv1/kernel', seq: 7 })).toMatchObject({ ok: false, error: { field: 'seq' } });
  });
});

describe('weights.diffScale', () => {
  it('is the largest |a − b| per filter over the pairs: a snapshot against a chosen one', async () => {
    const s = await value('weights.series', { runId: runA, tensor: 'conv1/kernel' });
    const { filterMaxAbs } = await value('weights.diffScale', { tensor: 'conv1/kernel', a: { runId: runA, seqs: [0, 1, 2, 3] }, b: { runId: runA, seqs: [2, 2, 2, 2] } });
    const want = new Float32Array(20);
    for (let i = 0; i < 4; i++) maxAbsPerFilter(tensorAt(s, i).map((v, k) => v - tensorAt(s, 2)[k]!), 20, want);
    expect(filterMaxAbs).toEqual(want);
  });

  it('is run A − run B with B’s filters and input channels reordered as matched', async () => {
    const a = await value('weights.series', { runId: runA, tensor: 'conv2/kernel' });
    const b = await value('weights.series', { runId: runB, tensor: 'conv2/kernel' });
    const m = matchFilters(a.shape, tensorAt(a, 3), tensorAt(b, 2));
    const inputs = Array.from({ length: 20 }, (_, c) => 19 - c);
    const pairs: [number, number][] = [[0, 0], [1, 0], [2, 1], [3, 2]];
    const { filterMaxAbs } = await value('weights.diffScale', {
      tensor: 'conv2/kernel', a: { runId: runA, seqs: pairs.map(([x]) => x) }, b: { runId: runB, seqs: pairs.map(([, y]) => y) },
      reorderB: { order: m.order, signs: m.signs as (1 | -1)[], inputs },
    });
    const rb = reorderSeries(b, { outputs: m, inputs });
    const want = new Float32Array(50);
    for (const [x, y] of pairs) maxAbsPerFilter(tensorAt(a, x).map((v, k) => v - tensorAt(rb, y)[k]!), 50, want);
    expect(filterMaxAbs).toEqual(want);
  });

  it('refuses pairs that do not pair up, a reorder that is not one, and unknown snapshots, naming the field', async () => {
    const base = { tensor: 'conv1/kernel' as const, a: { runId: runA, seqs: [0, 1] }, b: { runId: runB, seqs: [0, 1] } };
    expect(await call('weights.diffScale', { ...base, b: { runId: runB, seqs: [0] } })).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'b.seqs' } });
    const twice = Array.from({ length: 20 }, (_, i) => (i === 1 ? 0 : i));
    expect(await call('weights.diffScale', { ...base, reorderB: { order: twice, signs: new Array(20).fill(1) } })).toMatchObject({
      ok: false, error: { code: 'bad-input', field: 'reorderB.order' },
    });
    expect(await call('weights.diffScale', { ...base, reorderB: { order: twice.map((_, i) => i), signs: new Array(20).fill(1), inputs: [0, 1] } })).toMatchObject({
      ok: false, error: { code: 'bad-input', field: 'reorderB.inputs' },
    });
    expect(await call('weights.diffScale', { ...base, b: { runId: runB, seqs: [0, 5] } })).toEqual({
      ok: false, error: { code: 'not-found', message: `run #${runB} has no snapshot 5`, field: 'b.seqs.1' },
    });
    expect(await call('weights.diffScale', { ...base, a: { runId: 999, seqs: [0, 1] } })).toMatchObject({ ok: false, error: { field: 'a.runId' } });
  });
});
