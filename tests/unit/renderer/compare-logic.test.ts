import { LAYERS, runConfigSchema, type LayerName, type RunDetail, type SnapshotInfo, type TensorSeries } from '@contract/api.ts';
import { layerView } from '@render/animation.ts';
import { tensorAt } from '@render/diff.ts';
import { layoutFor } from '@render/layout.ts';
import { GifReader } from 'omggif';
import { describe, expect, it } from 'vitest';
import {
  compatibility, differenceSeries, freezePair, outcome, overlay, parseRunIds, positionAt, seriesEpochs, timeline,
} from '../../../src-renderer/src/lib/compare.ts';
import { compareGifName, makeGif } from '../../../src-renderer/src/lib/exportGif.ts';
import { makeSeries } from '../shared/render/series.ts';

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
    epochs: config.epochs, bestTestAccuracy: null, inputShape: c === 1 ? [28, 28, 1] : [32, 32, 3], createdAt: '', updatedAt: '', error: null,
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

  it('reads a series’ epochs from the run’s snapshots, and refuses weights without metrics', () => {
    const snaps = [snap(0, 0), snap(1, 0.5), snap(2, 1)];
    expect(seriesEpochs({ seqs: [0, 2] }, snaps)).toEqual([0, 1]);
    expect(() => seriesEpochs({ seqs: [0, 5] }, snaps)).toThrow(/snapshot 5/);
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

describe('run A − run B', () => {
  it('subtracts at each timeline epoch, the shorter run holding its last snapshot', () => {
    const a = makeSeries([5, 5, 1, 20], 4, 1);
    const b = makeSeries([5, 5, 1, 20], 2, 2);
    const times = [0, 1, 2, 3];
    const d = differenceSeries({ series: a, epochs: [0, 1, 2, 3] }, { series: b, epochs: [0, 1] }, times);
    expect(d.seqs).toEqual([0, 1, 2, 3]);
    for (const [k, bi] of [[0, 0], [1, 1], [2, 1], [3, 1]] as const) {
      const want = tensorAt(a, k).map((v, i) => v - tensorAt(b, bi)[i]!);
      expect(tensorAt(d, k)).toEqual(want);
    }
    expect(() => differenceSeries({ series: a, epochs: [0] }, { series: makeSeries([500, 10], 1), epochs: [0] }, [0])).toThrow(/\[5,5,1,20\] and \[500,10\]/);
  });

  it('puts every compared run on one scale: the largest |w| of all their series', () => {
    const a = makeSeries([5, 5, 1, 20], 3, 1);
    const b = makeSeries([5, 5, 1, 20], 3, 9);
    b.data[17] = 4.5;
    const view = layerView([a, b], { layer: 'conv1', colormap: 'study' });
    const maxAbs = (s: TensorSeries) => s.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(view.scale.max).toBe(Math.max(maxAbs(a), maxAbs(b)));
    expect(view.scale.max).toBe(Math.fround(4.5));
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
  it('has one frame per timeline epoch, with the runs side by side', () => {
    const a = run(1, [0, 1, 2]);
    const b = run(2, [0, 1]);
    const sa = makeSeries([5, 5, 1, 20], 3, 1);
    const sb = makeSeries([5, 5, 1, 20], 2, 2);
    const bytes = makeGif([{ run: a, series: sa }, { run: b, series: sb }], { layer: 'conv1', colormap: 'study', zoom: 6 }, 4);
    const gif = new GifReader(bytes);
    expect(gif.numFrames()).toBe(3);
    // Two conv1 pictures at zoom 6 side by side (one would be about half as wide).
    expect(gif.width).toBeGreaterThanOrEqual(2 * 6 * layoutFor([5, 5, 1, 20], 'filters').width);
    expect(compareGifName([a, b], 'conv1')).toBe('compare-1-2-conv1.gif');
  });
});
