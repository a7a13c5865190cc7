/**
 * The activation view's store against the real core (a fresh SQLite file, the real handlers and the real
 * forward-pass process): the maps it keeps stay within `MAPS_BUDGET`, nearest the position; it waits while
 * the weights on screen are on their way; and a GIF's series is fetched for its one input.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { ref } from 'vue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, runConfigSchema, type ApiClient, type LayerChange, type LayerName, type TensorName } from '../../../../src-preload/api.ts';
import { openCore, type Core } from '../../../../src-main/core/startup.ts';
import { createRun } from '../../../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../../../src-main/core/store/snapshots.ts';
import { setApi } from '../../../../src-renderer/src/lib/context.ts';
import { outward } from '../../../../src-renderer/src/lib/weightCache.ts';
import { MAPS_BUDGET, useActivationsStore } from '../../../../src-renderer/src/stores/activations.ts';
import { coreClient } from '../core-client.ts';
import { LENET_SHAPES } from '../../../helpers.ts';

/** More snapshots than the budget holds the maps of (about 58 with the 10 default inputs). */
const SNAPSHOTS = 70;

let dir: string;
let core: Core;
let runId: number;
const seqs = [...Array(SNAPSHOTS).keys()];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-activations-store-'));
  core = await openCore(join(dir, 'test.db'), { shell: 'browser' });
  const sample = (await coreClient(core).call('datasets.list', {})).find((d) => d.bundled)!;
  runId = createRun(core.ctx.db, {
    name: 'long', datasetId: sample.id, datasetName: sample.name, datasetPath: sample.path, inputShape: [28, 28, 1],
    classes: sample.classes, config: runConfigSchema.parse({ epochs: SNAPSHOTS - 1 }), status: 'done',
  });
  // Random weights (the maps' values do not matter here), each snapshot a little different.
  let state = 7;
  const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2;
  const change: LayerChange = { norm: 1, relChangePrev: 0.01, relChangeInit: 0.1 };
  for (const seq of seqs) {
    insertSnapshot(core.ctx.db, runId, {
      seq, epoch: seq, metrics: { trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5 },
      layers: Object.fromEntries(LAYERS.map((l) => [l, change])) as Record<LayerName, LayerChange>,
      tensors: Object.entries(LENET_SHAPES).map(([name, shape]) => ({
        name: name as TensorName, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, random),
      })),
    });
  }
});

afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real client, with the method and seq of every activations call logged. */
function loggingClient() {
  const real = coreClient(core);
  const calls: string[] = [];
  const client: ApiClient = {
    call(method, input) {
      if (method.startsWith('activations.')) calls.push(`${method}${'seq' in (input as object) ? ` ${(input as { seq: number }).seq}` : ''}`);
      return real.call(method, input);
    },
    on: real.on,
  };
  return { client, calls };
}

describe('the activation maps a page keeps', () => {
  it('waits for the weights, fetches the snapshot on screen first, keeps the nearest within the budget, and follows the position', async () => {
    setActivePinia(createPinia());
    const { client, calls } = loggingClient();
    setApi(client);
    const store = useActivationsStore();
    const weightsBusy = ref(true);
    store.yieldTo(() => weightsBusy.value);

    const opened = store.open(runId, seqs);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toEqual([]); // nothing while the weights are on their way
    weightsBusy.value = false;
    await opened;

    void store.show(65);
    await expect.poll(() => store.loading).toBe(false);
    expect(calls.slice(0, 2)).toEqual(['activations.pins', 'activations.maps 65']);
    const frame = store.frameAt(65)!;
    const bytes = Object.values(frame.maps).reduce((sum, t) => sum + t.data.byteLength, frame.probabilities.byteLength + frame.images.byteLength);
    const fit = Math.floor(MAPS_BUDGET / bytes);
    expect(fit).toBeLessThan(SNAPSHOTS);
    const held = () => [...store.frames.keys()].map((k) => Number(k.split('|')[0])).sort((a, b) => a - b);
    const nearest = (at: number) => outward(SNAPSHOTS, at).slice(0, fit).sort((a, b) => a - b);
    expect(held()).toEqual(nearest(65));

    void store.show(2);
    await expect.poll(() => store.loading).toBe(false);
    expect(held()).toEqual(nearest(2));
    expect(store.frameAt(2)!.scale).toEqual(frame.scale); // one scale over the run, wherever the window is
  }, 120_000);

  it('gives a GIF one input’s maps at every snapshot, fetched for that input alone, on the scale of the screen', async () => {
    const store = useActivationsStore();
    const input = store.pins!.indices[3]!;
    const done: number[] = [];
    const series = await store.seriesOf(input, (n) => done.push(n));
    expect(series.map((m) => m.seq)).toEqual(seqs);
    expect(done.at(-1)).toBe(SNAPSHOTS);
    const shown = store.frameAt(2)!;
    const k = shown.indices.indexOf(input);
    for (const m of [series[2]!, series[60]!]) {
      expect(m.indices).toEqual([input]);
      expect(m.scale).toEqual(shown.scale);
    }
    // The same maps as the screen's for that input.
    const size = series[2]!.maps.conv1.data.length;
    expect(series[2]!.maps.conv1.data).toEqual(shown.maps.conv1.data.slice(k * size, (k + 1) * size));
  }, 120_000);
});
