import type { RunSummary, TensorStats } from '@contract/api.ts';
import { topFilters } from '@render/diff.ts';
import { describe, expect, it } from 'vitest';
import { changeMatrix, filterCurve, heatIndices, logUnit } from '../../../../src-renderer/src/lib/change.ts';
import { fieldError } from '../../../../src-renderer/src/lib/errors.ts';
import { gifName } from '../../../../src-renderer/src/lib/exportGif.ts';
import { dateTime, decimalsFor, duration, epochLabel, num, percent, runPercent, tickLabels, valueAtOrBefore } from '../../../../src-renderer/src/lib/format.ts';
import { clampIndex, keyAction, nextIndex } from '../../../../src-renderer/src/lib/playback.ts';
import { parseQuery, probesOf, stringifyQuery } from '../../../../src-renderer/src/lib/query.ts';
import { sampleMosaic } from '../../../../src-main/shared/render/samples.ts';
import { sortRuns } from '../../../../src-renderer/src/lib/sortRuns.ts';
import { WeightCache, outward, plan } from '../../../../src-renderer/src/lib/weightCache.ts';
import { ApiError, MAX_PROBES, runConfigSchema } from '../../../../src-preload/api.ts';
import { isShortcut, type KeyPress } from '../../../../src-renderer/src/lib/keys.ts';
import { CONFIG_FIELDS, NUMBER_FIELDS, configDraft, configInput } from '../../../../src-renderer/src/lib/runConfig.ts';

describe('view state in the URL', () => {
  it('writes a query as it always was: keys sorted, URLSearchParams encoding, empty values left out', () => {
    expect(stringifyQuery({ seq: 7, layer: 'conv2', cmap: 'grey', diff: undefined, ref: '' })).toBe('cmap=grey&layer=conv2&seq=7');
    expect(stringifyQuery({ runs: '3,4', epoch: 0.5 })).toBe('epoch=0.5&runs=3%2C4');
  });

  it('reads every value back as a string, from links old and new', () => {
    expect(parseQuery('cmap=grey&layer=conv2&seq=7')).toEqual({ cmap: 'grey', layer: 'conv2', seq: '7' });
    expect(parseQuery('runs=3%2C4')).toEqual({ runs: '3,4' });
    expect(parseQuery('runs=3,4&n=1')).toEqual({ runs: '3,4', n: '1' });
    expect(parseQuery('')).toEqual({});
  });

  it("takes a probe-set size from the URL only where the analyses would (1 … MAX_PROBES, whole)", () => {
    expect(probesOf(parseQuery('probes=100'))).toBe(100);
    expect(probesOf(parseQuery(`probes=${MAX_PROBES}`))).toBe(MAX_PROBES);
    for (const bad of ['', 'probes=', 'probes=0', 'probes=2.5', 'probes=abc', `probes=${MAX_PROBES + 1}`]) expect(probesOf(parseQuery(bad))).toBeUndefined();
  });
});

describe('formatting', () => {
  it('writes numbers, epochs and durations the way tables and legends show them', () => {
    expect(percent(0.91234, 1)).toBe('91.2%');
    expect(percent(null)).toBe('–');
    expect(num(0.123456)).toBe('0.1235');
    expect(num(-0.0000123)).toBe('-1.230e-5');
    expect(num(0)).toBe('0');
    expect(epochLabel(0.25)).toBe('0.25');
    expect(epochLabel(3)).toBe('3');
    expect(epochLabel(1 / 3)).toBe('0.333');
    expect(duration(59)).toBe('59s');
    expect(duration(61)).toBe('1m 01s');
    expect(duration(3 * 3600 + 120)).toBe('3h 02m');
    expect(dateTime('not a date')).toBe('not a date');
    expect(dateTime('2025-03-01T14:07:00')).toBe('2025-03-01 14:07');
  });

  it('says how much of a whole run is done, from its progress in the epoch', () => {
    expect(runPercent({ epoch: 1, epochs: 4, batch: 0, batches: 100 })).toBe(0);
    expect(runPercent({ epoch: 2, epochs: 4, batch: 68, batches: 100 })).toBe(42);
    // The last batch is not the end of the run (the evaluation and the snapshot follow).
    expect(runPercent({ epoch: 4, epochs: 4, batch: 100, batches: 100 })).toBe(99);
    expect(runPercent({ epoch: 1, epochs: 1, batch: 0, batches: 0 })).toBe(0);
  });
});

describe('sorting runs', () => {
  const run = (id: number, name: string, acc: number | null, createdAt: string): RunSummary => ({
    id, name, datasetId: 1, datasetName: 'd', status: 'done', backend: 'wasm', epochsDone: 1, epochs: 1,
    bestTestAccuracy: acc, inputShape: [28, 28, 1], createdAt, updatedAt: createdAt, error: null, groupId: null,
  });
  const runs = [run(1, 'beta', 0.8, '2025-01-01'), run(2, 'alpha', null, '2025-01-03'), run(3, 'Gamma', 0.9, '2025-01-02')];

  it('sorts by accuracy either way, runs without one last', () => {
    expect(sortRuns(runs, 'bestTestAccuracy', 'desc').map((r) => r.id)).toEqual([3, 1, 2]);
    expect(sortRuns(runs, 'bestTestAccuracy', 'asc').map((r) => r.id)).toEqual([1, 3, 2]);
  });

  it('sorts names alphabetically and dates newest first', () => {
    expect(sortRuns(runs, 'name', 'asc').map((r) => r.name)).toEqual(['alpha', 'beta', 'Gamma']);
    expect(sortRuns(runs, 'createdAt', 'desc').map((r) => r.id)).toEqual([2, 3, 1]);
  });
});

describe('playback', () => {
  it('stops or loops at the end', () => {
    expect(nextIndex(3, 5, false)).toBe(4);
    expect(nextIndex(4, 5, false)).toBeNull();
    expect(nextIndex(4, 5, true)).toBe(0);
    expect(nextIndex(0, 0, true)).toBeNull();
  });

  it('maps keys to positions within the run', () => {
    expect(keyAction(' ', 2, 5)).toBe('toggle');
    expect(keyAction('ArrowLeft', 0, 5)).toBe(0);
    expect(keyAction('ArrowRight', 4, 5)).toBe(4);
    expect(keyAction('ArrowRight', 1, 10, true)).toBe(6);
    expect(keyAction('End', 1, 10)).toBe(9);
    expect(keyAction('Home', 7, 10)).toBe(0);
    expect(keyAction('x', 7, 10)).toBeNull();
    expect(clampIndex(2.6, 3)).toBe(2);
  });
});

/** Two filters over three snapshots, as the statistics give them: filter 0 moves first, filter 1 later and more. */
const stats: Pick<TensorStats, 'shape' | 'seqs' | 'changePrev' | 'changeInit'> = {
  shape: [2, 2],
  seqs: [0, 1, 2],
  changePrev: Float32Array.from([0, 0, 0.3, 0, 0, 0.9]),
  changeInit: Float32Array.from([0, 0, 0.3, 0, 0.3, 0.9]),
};

describe('change over a run, from the statistics', () => {
  it('gives each filter its relative change since the previous snapshot, from the second on', () => {
    const m = changeMatrix(stats);
    expect(m).toMatchObject({ rows: 2, filters: 2 });
    expect(Array.from(m.values)).toEqual(Array.from(stats.changePrev.subarray(2)));
  });

  it('gives one filter its change since the initial weights or the previous snapshot', () => {
    expect(filterCurve(stats, 0, 'init')).toEqual([0, 0.3, 0.3].map(Math.fround));
    expect(filterCurve(stats, 1, 'prev')).toEqual([0, 0, 0.9].map(Math.fround));
  });

  it('maps changes to a log scale and to the positive half of the palette, time along x', () => {
    const m = changeMatrix(stats);
    const { t, min, max } = logUnit(m.values);
    expect(min).toBeCloseTo(0.3, 6);
    expect(max).toBeCloseTo(0.9, 6);
    expect(t[3]).toBe(1);
    expect(t[0]).toBe(0); // filter 0 at step 1: the smallest positive change
    const idx = heatIndices(m, t, 123, 246);
    // Filter 1 (second row of the picture) at step 2 (second column) changed most.
    expect(idx[1 * m.rows + 1]).toBe(246);
    expect(idx[1 * m.rows + 0]).toBe(123);
  });
});

describe('the weights in memory', () => {
  it('are wanted nearest the position first, ahead before behind', () => {
    expect(outward(6, 2)).toEqual([2, 3, 1, 4, 0, 5]);
    expect(outward(3, 2)).toEqual([2, 1, 0]);
  });

  it('are planned urgent first, then outward from each series in turn, as far as the budget goes', () => {
    const a = { key: 'a', seqs: [0, 1, 2, 3, 4], at: 4, bytes: 10, urgent: [4, 0] };
    const b = { key: 'b', seqs: [0, 5, 9], at: 0, bytes: 10, urgent: [0] };
    const wanted = plan([a, b], 60).map((w) => `${w.key}${w.seq}`);
    expect(wanted).toEqual(['a4', 'a0', 'b0', 'a3', 'b5', 'a2']);
    expect(plan([a], 1000)).toHaveLength(5);
    // Another layer's snapshot at the position (for a quick switch) comes with the urgent ones, before the
    // rest of the series on screen.
    const other = { key: 'c', seqs: [4], at: 0, bytes: 10, urgent: [4], soon: true };
    expect(plan([a, other], 1000).map((w) => `${w.key}${w.seq}`)).toEqual(['a4', 'a0', 'c4', 'a3', 'a2', 'a1']);
  });

  it('stay within the budget, evicting the least recently used and keeping what the plan keeps', () => {
    const cache = new WeightCache(3 * 40);
    const t = () => new Float32Array(10);
    for (const seq of [0, 1, 2]) cache.put('a', seq, t());
    expect(cache.bytes).toBe(120);
    cache.get('a', 0);
    cache.put('a', 3, t());
    expect([...cache.seqsOf('a')].sort()).toEqual([0, 2, 3]);
    expect(cache.bytes).toBe(120);
    // The plan around seq 3: 3, 2 — seq 0 is the one to go.
    cache.keep([{ key: 'a', seq: 3 }, { key: 'a', seq: 2 }]);
    cache.put('b', 0, t());
    expect([...cache.seqsOf('a')].sort()).toEqual([2, 3]);
    cache.keepRuns([]);
    expect(cache.bytes).toBe(0);
  });
});

describe('sample mosaic', () => {
  it('puts each image in its class row, grey or colour', () => {
    const images = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80]); // two 2×2 grey images
    const m = sampleMosaic({ shape: [2, 2, 1], classes: ['a', 'b'], images, labels: [1, 0] }, 2);
    expect([m.width, m.height]).toEqual([5, 5]);
    expect(m.rowCount).toEqual([1, 1]);
    // Image 0 (label 1) starts at row 3, column 0; image 1 (label 0) at the top-left.
    expect(Array.from(m.rgba.subarray((3 * 5) * 4, (3 * 5) * 4 + 4))).toEqual([10, 10, 10, 255]);
    expect(Array.from(m.rgba.subarray(0, 4))).toEqual([50, 50, 50, 255]);
    expect(() => sampleMosaic({ shape: [2, 2, 1], classes: ['a'], images, labels: [0] }, 2)).toThrow(/8 bytes for 1 images/);
  });
});

describe('API errors in forms', () => {
  it('keeps the field and drops the method and field prefix', () => {
    const e = fieldError(new ApiError('bad-input', 'runs.start: config.epochs: Too small: expected number to be >=1', 'config.epochs'));
    expect(e).toEqual({ field: 'config.epochs', message: 'Too small: expected number to be >=1' });
    expect(fieldError(new Error('datasets.add: /x: no such folder'))).toEqual({ field: null, message: '/x: no such folder' });
  });
});

describe('GIF file names', () => {
  it('names the run, layer and diff', () => {
    expect(gifName({ id: 3, name: 'Fashion MNIST · seed 1' }, { layer: 'conv1', diff: 'none' })).toBe('fashion-mnist-seed-1-conv1.gif');
    expect(gifName({ id: 3, name: '···' }, { layer: 'conv2', diff: { seq: 4 } })).toBe('run-3-conv2-diff-4.gif');
  });
});

describe('run settings in the forms', () => {
  it('starts from the contract’s defaults and sends emptied image limits as unset', () => {
    const draft = configDraft();
    expect(draft).toMatchObject({ epochs: 29, batchSize: 64, optimizer: 'sgd', freeze: [], trainLimit: undefined });
    // An emptied number input holds '' under v-model.number.
    const input = configInput({ ...draft, trainLimit: '' as unknown as number, testLimit: 100 });
    expect(input.trainLimit).toBeUndefined();
    expect(input.testLimit).toBe(100);
    expect(runConfigSchema.parse(input)).toEqual({ ...draft, testLimit: 100 });
    expect(NUMBER_FIELDS.map((f) => f.key).every((k) => CONFIG_FIELDS.includes(k))).toBe(true);
  });
});

describe('shortcut keys', () => {
  const press = (key: string, target: object | null = null, mods: Partial<KeyPress> = {}): KeyPress =>
    ({ key, ctrlKey: false, metaKey: false, altKey: false, target: target as EventTarget | null, ...mods });
  const el = (tagName: string, type?: string, inDialog = false) => ({ tagName, type, closest: (s: string) => (s === 'dialog' && inDialog ? {} : null) });

  it('acts on plain keys, not while typing, with a modifier, or inside a dialog', () => {
    expect(isShortcut(press('g'))).toBe(true);
    expect(isShortcut(press('g', el('BUTTON')))).toBe(true);
    expect(isShortcut(press('ArrowLeft', el('INPUT', 'range')))).toBe(true);
    expect(isShortcut(press('g', el('INPUT', 'text')))).toBe(false);
    expect(isShortcut(press('n', el('SELECT')))).toBe(false);
    expect(isShortcut(press('n', el('TEXTAREA')))).toBe(false);
    expect(isShortcut(press('n', null, { ctrlKey: true }))).toBe(false);
    expect(isShortcut(press('n', null, { metaKey: true }))).toBe(false);
    expect(isShortcut(press(' ', el('BUTTON', undefined, true)))).toBe(false);
  });
});

describe('chart axes and legends', () => {
  it('gives ticks the decimals their step needs, so close losses never read alike', () => {
    expect(decimalsFor(0.25)).toBe(2);
    expect(decimalsFor(0.01)).toBe(2);
    expect(decimalsFor(5)).toBe(0);
    expect(tickLabels([2.26, 2.27, 2.28, null], 0.01)).toEqual(['2.26', '2.27', '2.28', '']);
    expect(tickLabels([0.1, 0.15, 0.2], 0.05, { percent: true })).toEqual(['10%', '15%', '20%']);
    expect(tickLabels([0.12, 0.125], 0.005, { percent: true })).toEqual(['12.0%', '12.5%']);
    expect(tickLabels([1e-5, 0.001, 0.01, 0.1], 10, { log: true })).toEqual(['1e-5', '0.001', '0.01', '0.1']);
  });

  it('reads a series at the shown position, or its last value before (a run with no snapshot there)', () => {
    expect(valueAtOrBefore([null, 2.3, null, 2.1], 2)).toBe(2.3);
    expect(valueAtOrBefore([null, 2.3, null, 2.1], 9)).toBe(2.1);
    expect(valueAtOrBefore([null, 2.3], 0)).toBeNull();
  });
});

describe('most changed filters', () => {
  it('never ranks a filter that did not move: at the first snapshot there are none', () => {
    expect(topFilters(Float32Array.from([0, 0, 0]), 5)).toEqual([]);
    expect(topFilters(Float32Array.from([0, 0.2, 0, 0.1]), 5)).toEqual([1, 3]);
  });
});
