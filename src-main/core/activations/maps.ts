/**
 * The feature maps and probabilities of pinned test images at every stored snapshot, computed by the
 * forward-pass process and kept in memory up to a budget. A layer's scale is fixed over the run: the
 * first request for a set of inputs computes every stored snapshot (later ones find them cached; a
 * snapshot stored since is computed when asked for), on the work queue's `view` priority.
 */
import { ApiError, MAP_LAYERS, mapShape, type ActivationMaps, type MapLayer, type RunDetail } from '../../../src-preload/api.ts';
import { argMaxRow, staysTrueFrom } from '../../shared/learning.ts';
import type { ForwardMaps } from '../../trainer/protocol.ts';
import { weightsAt, type ForwardContext } from '../work/inference.ts';
import { runGroup } from '../work/queue.ts';
import { LruCache, runKey } from './cache.ts';
import { pickImages, testImages, type TestSet } from './test-set.ts';

/** A map difference reference: the previous stored snapshot, the initial one, or a chosen seq. */
export type MapDiff = 'prev' | 'init' | number;

const MAPS_BUDGET = 256 * 1024 * 1024;
const SCALES_KEPT = 64;
/** Forward passes sent to the process before the first answer is awaited. */
const IN_FLIGHT = 4;

const bytesOfMaps = (m: ForwardMaps) => m.conv1.byteLength + m.pool1.byteLength + m.conv2.byteLength + m.probabilities.byteLength;

export class PinnedMaps {
  private readonly maps = new LruCache<ForwardMaps>(MAPS_BUDGET, bytesOfMaps);
  private readonly scales = new LruCache<Record<MapLayer, number>>(SCALES_KEPT, () => 1);

  constructor(private readonly ctx: ForwardContext) {}

  /** The maps of images `indices` at snapshot `seq`, on the run's fixed scale. */
  async at(run: RunDetail, set: TestSet, seq: number, indices: number[], diff?: MapDiff): Promise<ActivationMaps> {
    const seqs = run.snapshots.map((s) => s.seq);
    const at = seqs.indexOf(seq);
    if (at < 0) throw new ApiError('not-found', `run #${run.id} has no snapshot ${seq}`, 'seq');
    const refOf = referenceOf(seqs, diff);
    const all = await this.ofEverySnapshot(run, set, indices);
    const classes = set.classes.length;
    const labels = indices.map((i) => set.test.labels[i]!);

    const ref = refOf(at);
    const maps = Object.fromEntries(
      MAP_LAYERS.map((layer) => {
        const data = concat(all[at]!.map((m) => m[layer]));
        if (ref !== undefined) subtractInPlace(data, concat(all[ref]!.map((m) => m[layer])));
        return [layer, { shape: [indices.length, ...mapShape(run.inputShape, layer)], data }];
      }),
    ) as ActivationMaps['maps'];
    const learnedAt = indices.map((_, k) => {
      const from = staysTrueFrom(all.map((maps) => argMaxRow(maps[k]!.probabilities, classes, 0) === labels[k]));
      return from === null ? null : seqs[from]!;
    });
    return {
      runId: run.id,
      seq,
      ...testImages(set, indices),
      maps,
      probabilities: concat(all[at]!.map((m) => m.probabilities)),
      scale: this.scaleOf(run, indices, diff, all, refOf),
      learnedAt,
    };
  }

  /** Per stored snapshot (in seq order), the maps of each input; computed where not cached. */
  private async ofEverySnapshot(run: RunDetail, set: TestSet, indices: number[]): Promise<ForwardMaps[][]> {
    const key = (seq: number, i: number) => `${runKey(run)}:${seq}:${i}`;
    const geometry = { shape: run.inputShape, classes: run.classes.length };
    const compute = async ({ seq, missing }: { seq: number; missing: number[] }) => {
      const split = pickImages(set.test, run.inputShape, missing);
      const result = await this.ctx.inference.maps({ geometry, weights: weightsAt(this.ctx.db, run.id, seq), split });
      splitByImage(result, missing.length).forEach((maps, k) => this.maps.set(key(seq, missing[k]!), maps));
    };
    await this.ctx.work.run(
      'view',
      async (signal) => {
        // What is missing once it is this request's turn (an earlier one may have computed it).
        const work = run.snapshots
          .map(({ seq }) => ({ seq, missing: indices.filter((i) => !this.maps.get(key(seq, i))) }))
          .filter((w) => w.missing.length > 0);
        // A few requests in flight, so the process never waits for the next one (nor holds every snapshot's weights).
        for (let i = 0; i < work.length; i += IN_FLIGHT) {
          signal.throwIfAborted();
          await Promise.all(work.slice(i, i + IN_FLIGHT).map(compute));
        }
      },
      runGroup(run.id),
    );
    // Read after computing: a budget smaller than one run's maps would lose the first ones again.
    return run.snapshots.map(({ seq }) =>
      indices.map((i) => {
        const maps = this.maps.get(key(seq, i));
        if (!maps) throw new ApiError('failed', `the maps of ${indices.length} inputs over ${run.snapshots.length} snapshots do not fit in the cache`);
        return maps;
      }),
    );
  }

  /** Per layer, the largest |value| (or |difference|) over every snapshot: the fixed scale. */
  private scaleOf(run: RunDetail, indices: number[], diff: MapDiff | undefined, all: ForwardMaps[][], refOf: (i: number) => number | undefined) {
    const key = `${runKey(run)}:${run.snapshots.length}:${indices.join(',')}:${diff ?? ''}`;
    let scale = this.scales.get(key);
    if (!scale) {
      scale = Object.fromEntries(MAP_LAYERS.map((layer) => [layer, 0])) as Record<MapLayer, number>;
      for (let s = 0; s < all.length; s++) {
        const ref = refOf(s);
        for (const layer of MAP_LAYERS) {
          all[s]!.forEach((maps, k) => {
            scale![layer] = Math.max(scale![layer], maxAbs(maps[layer], ref === undefined ? undefined : all[ref]![k]![layer]));
          });
        }
      }
      this.scales.set(key, scale);
    }
    return scale;
  }
}

/** For snapshot position i, the position of its reference (undefined: no difference). */
function referenceOf(seqs: number[], diff: MapDiff | undefined): (i: number) => number | undefined {
  if (diff === undefined) return () => undefined;
  if (diff === 'prev') return (i) => Math.max(0, i - 1);
  if (diff === 'init') return () => 0;
  const at = seqs.indexOf(diff);
  if (at < 0) throw new ApiError('not-found', `there is no snapshot ${diff} to compare with`, 'diff');
  return () => at;
}

/** One forward result over n images as n results over one image each (views, no copies). */
function splitByImage(result: ForwardMaps, n: number): ForwardMaps[] {
  const part = (a: Float32Array, k: number) => a.subarray((k * a.length) / n, ((k + 1) * a.length) / n);
  return Array.from({ length: n }, (_, k) => ({
    conv1: part(result.conv1, k),
    pool1: part(result.pool1, k),
    conv2: part(result.conv2, k),
    probabilities: part(result.probabilities, k),
  }));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function subtractInPlace(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i]! -= b[i]!;
}

/** max |a| (or max |a − b|). */
function maxAbs(a: Float32Array, b?: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(b ? a[i]! - b[i]! : a[i]!);
    if (v > m) m = v;
  }
  return m;
}
