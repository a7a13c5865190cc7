import { LAYERS, runConfigSchema, type LayerName, type RunDetail, type SnapshotInfo } from '@contract/api.ts';
import { layerView, statsScale } from '@render/animation.ts';
import { tensorAt } from '@render/diff.ts';
import { layoutFor } from '@render/layout.ts';
import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import {
  compatibility, freezePair, outcome, overlay, parseRunIds, positionAt, timeline,
} from '../../../../src-renderer/src/lib/compare.ts';
import { compareGifName, makeGif } from '../../../../src-renderer/src/lib/exportGif.ts';
import { makeSeries } from '../../shared/render/series.ts';

/** A snapshot at `epoch` whose numbers are easy to tell apart: accuracy = epoch / 10, conv1 moved epoch %. */
function snap(seq: number, epoch: number): SnapshotInfo {
  const layers = Object.fromEntries(LAYERS.map((l, k) => [l, { norm: 1, relChangePrev: 0, relChangeInit: (epoch + k) / 100 }])) as SnapshotInfo['layers'];
  return {
    seq, epoch, layers, createdAt: '2026-01-01T00:00:00Z',
    metrics: { trainLoss: 2 - epoch / 10, trainAccuracy: null, testLoss: 2 - epoch / 10, testAccuracy: epoch / 10 },
  };
}

const LENET = (c: number, fc1In: number) => [
  { name: 'conv1/kernel' as const, shape: [5, 5, c, 20] },
  { name: 'conv2/kernel' as const, shape: [5, 5, 20, 50] },
  { name: 'fc1/kernel' as const, shape: [fc1In, 500] },
  { name: 'fc2/kernel' as const, shape: [500, 10] },
];

function run(id: number, epochs: number[], over: { channels?: number; freeze?: LayerName[]; seed?: number; datasetId?: number } = {}): RunDetail {
  const config = runConfigSchema.parse({ epochs: Math.max(...epochs), seed: over.seed ?? 1, freeze: over.freeze ?? [] });
  const c = over.channels ?? 1;
  return {
    id, name: `run ${id}`, datasetId: over.datasetId ?? 1, datasetName: 'd', status: 'done', backend: 'wasm', epochsDone: Math.max(...epochs),
    epochs: config.epochs, bestTestAccuracy: null, inputShape: c === 1 ? [28, 28, 1] : [32, 32, 3], createdAt: '', updatedAt: '', error: null, groupId: null,
    config, classes: [], tensors: LENET(c, c === 1 ? 800 : 1250), snapshots: epochs.map((e, seq) => snap(seq, e)), trainSeconds: 1, imagesPerSecond: 1, backendSummary: null,
  };
}

describe('the compare view’s URL', () => {
  it('reads run ids: positive, once each, at most four', () => {
    expect(parseRunIds('3,7')).toEqual([3, 7]);
    expect(parseRunIds(' 3, 3,x,0,-2,9,10,11,12')).toEqual([3, 9, 10, 11]);
    expect(parseRunIds(undefined)).toEqual([]);
  });
});

describe('one timeline for several runs', () => {
  const a = [0, 0.5, 1, 2, 3];
  const b = [0, 1, 2];

  it('is the union of their epochs', () => {
    expect(timeline([a, b])).toEqual([0, 0.5, 1, 2, 3]);
  });

  it('shows each run’s last snapshot at or before the epoch, and marks a run that has ended', () => {
    expect(positionAt(b, 0.5)).toEqual({ index: 0, held: false });
    expect(positionAt(b, 2)).toEqual({ index: 2, held: false });
    expect(positionAt(b, 3)).toEqual({ index: 2, held: true });
    expect(positionAt(a, 3)).toEqual({ index: 4, held: false });
  });
});

describe('which layers compare across data sets of different shapes', () => {
  it('compares conv2 and fc2 of MNIST and CIFAR-10 runs, and says why not conv1 and fc1', () => {
    const runs = [run(1, [0, 1]), run(2, [0, 1], { channels: 3 })];
    expect(compatibility(runs, 'conv1')).toEqual({
      compared: [0], excluded: [{ run: 1, reason: 'conv1 kernels differ: [5,5,1,20] vs [5,5,3,20]' }], waiting: [],
    });
    expect(compatibility(runs, 'conv2')).toEqual({ compared: [0, 1], excluded: [], waiting: [] });
    expect(compatibility(runs, 'fc1').excluded[0]!.reason).toBe('fc1 kernels differ: [800,500] vs [1250,500]');
    expect(compatibility(runs, 'fc2').compared).toEqual([0, 1]);
  });

  it('waits for a run that has no snapshot yet, and measures the others against the first that has one', () => {
    const queued = { ...run(1, [0, 1]), tensors: [] };
    const runs = [queued, run(2, [0, 1], { channels: 3 }), run(3, [0, 1])];
    expect(compatibility(runs, 'conv1')).toEqual({
      compared: [1], excluded: [{ run: 2, reason: 'conv1 kernels differ: [5,5,3,20] vs [5,5,1,20]' }], waiting: [0],
    });
  });
});

describe('one scale for the compared runs', () => {
  it('is the largest |w| over every snapshot of every run, from their statistics', () => {
    const stats = (perSnapshot: number[][]) => {
      const filterMaxAbs = Float32Array.from(perSnapshot.flat());
      return { shape: [5, 5, 1, 2], filterMaxAbs, prevMaxAbs: filterMaxAbs.map(() => 0.01), initMaxAbs: filterMaxAbs.map(() => 0.02) };
    };
    const a = stats([[0.1, 0.2], [0.3, 0.25]]);
    const b = stats([[0.1, 4.5], [0.2, 0.1]]);
    const view = layerView([a.shape, b.shape], statsScale([a, b]), { layer: 'conv1', colormap: 'study' });
    expect(view.scale.max).toBe(Math.fround(4.5));
    expect(Array.from(view.scale.filterMax)).toEqual([Math.fround(0.3), Math.fround(4.5)]);
    expect(statsScale([a, b], 'init').max).toBe(Math.fround(0.02));
    expect(() => statsScale([a], { seq: 1 })).toThrow(/not in the statistics/);
  });
});

describe('metrics of several runs', () => {
  it('overlays a metric on the shared timeline, with gaps where a run has no snapshot', () => {
    const runs = [run(1, [0, 0.5, 1]).snapshots, run(2, [0, 1, 2]).snapshots];
    expect(overlay(runs, [0, 0.5, 1, 2], (s) => s.metrics.testAccuracy)).toEqual([
      [0, 0.05, 0.1, null],
      [0, null, 0.1, 0.2],
    ]);
  });

  it('tells where a run ended: last test accuracy and each layer’s change since init', () => {
    const o = outcome(run(1, [0, 1, 2]).snapshots)!;
    expect(o.epoch).toBe(2);
    expect(o.testAccuracy).toBe(0.2);
    expect(o.change).toEqual({ conv1: 0.02, conv2: 0.03, fc1: 0.04, fc2: 0.05 });
    expect(outcome([])).toBeNull();
  });

  it('recognises the study’s freeze experiment, whichever run comes first', () => {
    const trained = run(1, [0, 1]);
    const frozen = run(2, [0, 1], { freeze: ['conv1', 'conv2'] });
    expect(freezePair([trained, frozen])).toEqual([0, 1]);
    expect(freezePair([frozen, trained])).toEqual([1, 0]);
    expect(freezePair([trained, run(3, [0, 1], { freeze: ['conv1', 'conv2'], seed: 2 })])).toBeNull();
    expect(freezePair([trained, run(3, [0, 1], { freeze: ['conv1', 'conv2'], datasetId: 2 })])).toBeNull();
    expect(freezePair([trained, run(3, [0, 1], { freeze: ['conv1'] })])).toBeNull();
    expect(freezePair([trained, frozen, run(3, [0, 1])])).toBeNull();
  });
});

describe('the compare GIF', () => {
  it('has one frame per timeline epoch, with the runs side by side, each snapshot fetched once as its frame is drawn', async () => {
    const a = run(1, [0, 1, 2]);
    const b = run(2, [0, 1]);
    const series = [makeSeries([5, 5, 1, 20], 3, 1), makeSeries([5, 5, 1, 20], 2, 2)];
    const view = layerView([[5, 5, 1, 20], [5, 5, 1, 20]], { mode: 'layer', max: 1, filterMax: new Float32Array(20).fill(1) }, { layer: 'conv1', colormap: 'study', zoom: 6 });
    const asked: string[] = [];
    const bytes = await makeGif([a, b], view, (k, seq) => (asked.push(`${k}:${seq}`), tensorAt(series[k]!, seq)), 4);
    const gif = new GifReader(bytes);
    expect(gif.numFrames()).toBe(3);
    // Two conv1 pictures at zoom 6 side by side (one would be about half as wide).
    expect(gif.width).toBeGreaterThanOrEqual(2 * 6 * layoutFor([5, 5, 1, 20], 'filters').width);
    expect(compareGifName([a, b], 'conv1')).toBe('compare-1-2-conv1.gif');
    // Run b holds its last snapshot in the last frame: not fetched again.
    expect(asked).toEqual(['0:0', '1:0', '0:1', '1:1', '0:2']);
  });
});
