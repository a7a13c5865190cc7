/**
 * The example ledger's costs (issue 26). Goals: recording costs ≤ 2% of an epoch's training time; one
 * image's series from a 60,000-image × 30-epoch ledger returns ≤ 20 ms; the data map of 60,000 points draws
 * ≤ 50 ms (here its pixels: placing and rasterising them, the page's own code, in V8 outside a page; the
 * page adds one putImageData).
 *
 * Recording: two LeNets from the same seed on wasm train the same batches of real Fashion-MNIST, one
 * step of each in turn (a shared machine's drift falls on both alike); one with the ledger's per-image
 * outputs and LedgerRecorder.record, one without. The difference of their summed step times, over the
 * plain one's, is the recording's share; storing each epoch's ledger (one 180 kB row) and sending it are
 * timed apart. Reads: a database of 30 epochs' ledgers of 60,000 images (random records), the table
 * (every image's statistics) and one image's series through the core's own functions.
 *
 *   npm run bench ledger
 *   node --import tsx tests/bench/ledger.ts [--images 6400] [--threads 2] [--reads-only]
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runConfigSchema } from '../../src-preload/api.ts';
import { exampleStats } from '../../src-main/core/analysis/example-stats.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { readEpochLedgers, readImageRecords, writeLedger } from '../../src-main/core/store/ledgers.ts';
import { loadDataset } from '../../src-main/datasets/index.ts';
import { initBackend } from '../../src-main/trainer/backend/index.ts';
import { LedgerRecorder } from '../../src-main/trainer/ledger.ts';
import { batchTensors, makeOptimizer, trainStep } from '../../src-main/trainer/loop.ts';
import { createLeNet } from '../../src-main/trainer/model/lenet.ts';
import { ShuffleRng } from '../../src-main/trainer/shuffle.ts';
import { MAP_PLOT, placePoints, rasterise } from '../../src-renderer/src/lib/dataMap.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const { values } = parseArgs({ options: { images: { type: 'string', default: '6400' }, threads: { type: 'string', default: '2' }, 'reads-only': { type: 'boolean', default: false } } });
const IMAGES = Number(values.images);
const BATCH = 64;
const GEOMETRY = { shape: [28, 28, 1] as [number, number, number], classes: 10 };

async function recording(): Promise<void> {
  await initBackend('wasm', { wasmThreads: Number(values.threads) });
  const { train } = await loadDataset(FASHION, { trainLimit: IMAGES, testLimit: 1 });
  const config = runConfigSchema.parse({ seed: 1 });
  const plain = { net: createLeNet(GEOMETRY.shape, 1, [], 10), seconds: 0 };
  const recorded = { net: createLeNet(GEOMETRY.shape, 1, [], 10), seconds: 0 };
  const [plainOpt, recordedOpt] = [makeOptimizer(config), makeOptimizer(config)];
  const ledger = new LedgerRecorder(train.count, 0);
  const order = new ShuffleRng(7).permutation(train.count);
  const batches = Math.floor(train.count / BATCH);
  for (let b = -3; b < batches; b++) {
    // Three warm-up batches, then the whole (shortened) epoch.
    const start = Math.max(0, b) * BATCH;
    const { x, y } = batchTensors(train, GEOMETRY, start, start + BATCH, order);
    let t0 = performance.now();
    await trainStep(plain.net, plainOpt, x, y);
    if (b >= 0) plain.seconds += (performance.now() - t0) / 1000;
    t0 = performance.now();
    const step = await trainStep(recorded.net, recordedOpt, x, y, true);
    ledger.record(order, start, step.hits!, step.pTrue!);
    if (b >= 0) recorded.seconds += (performance.now() - t0) / 1000;
    tf.dispose([x, y]);
  }
  const t0 = performance.now();
  const copies = 20;
  for (let i = 0; i < copies; i++) ledger.snapshot();
  const copyMs = (performance.now() - t0) / copies;
  const share = (recorded.seconds - plain.seconds) / plain.seconds;
  const perImage = (s: number) => (1e6 * s) / (batches * BATCH);
  console.log(
    `recording, wasm ${values.threads} threads, ${batches} batches of ${BATCH} real Fashion-MNIST images:\n` +
      `  step ${perImage(plain.seconds).toFixed(1)} µs/image without, ${perImage(recorded.seconds).toFixed(1)} µs/image with the ledger: ` +
      `${(100 * share).toFixed(2)}% of the training time (goal ≤ 2%)\n` +
      `  a snapshot's copy of the ledger: ${copyMs.toFixed(2)} ms for ${train.count} images`,
  );
}

function reads(): void {
  const [count, epochs] = [60_000, 30];
  const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-ledger-'));
  const db = openDatabase(join(dir, 'w.db'));
  try {
    const runId = Number(db.prepare(`INSERT INTO runs (name, dataset_id, dataset_name, dataset_path, input_shape, classes, config, status, created_at, updated_at)
                VALUES ('r', NULL, 'x', '/x', '[28,28,1]', '[]', '{}', 'done', '', '')`).run().lastInsertRowid);
    const rng = new ShuffleRng(3);
    let storeMs = 0;
    for (let e = 0; e < epochs; e++) {
      const snapshotId = db.prepare(`INSERT INTO snapshots (run_id, seq, epoch, layers, created_at) VALUES ($runId, $seq, $seq, '{}', '')`).run({ runId, seq: e + 1 }).lastInsertRowid;
      const order = rng.permutation(count);
      const ledger = { epoch: e, correct: Uint8Array.from(order, (v) => v & 1), pTrue: Uint16Array.from(order, (v) => 0x3000 + (v % 0xc00)) };
      const t0 = performance.now();
      writeLedger(db, snapshotId, ledger);
      storeMs += performance.now() - t0;
    }
    const time = (f: () => unknown, times = 20) => {
      f();
      const t0 = performance.now();
      for (let i = 0; i < times; i++) f();
      return (performance.now() - t0) / times;
    };
    const tableMs = time(() => exampleStats(readEpochLedgers(db, runId), count), 5);
    const seriesMs = time(() => readImageRecords(db, runId, 31_337));
    const stats = exampleStats(readEpochLedgers(db, runId), count);
    const scale = 2;
    const image = { data: new Uint8ClampedArray(MAP_PLOT.width * scale * MAP_PLOT.height * scale * 4), width: MAP_PLOT.width * scale, height: MAP_PLOT.height * scale, colorSpace: 'srgb' } as ImageData;
    const drawMs = time(() => rasterise(image, scale, placePoints(MAP_PLOT, stats, () => true), stats.correctness, new Set(), [255, 196, 0], 'dark'));
    console.log(
      `reads, ${count} images × ${epochs} epochs: storing an epoch's ledger ${(storeMs / epochs).toFixed(2)} ms; ` +
        `every image's statistics ${tableMs.toFixed(1)} ms; one image's series ${seriesMs.toFixed(2)} ms (goal ≤ 20 ms); ` +
        `the data map's ${count} points placed and rasterised at 2× ${drawMs.toFixed(1)} ms (goal ≤ 50 ms)`,
    );
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!values['reads-only']) await recording();
reads();
