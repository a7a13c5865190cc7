/**
 * GIF export speed and size. Goals: 30 frames of conv1 at 8× ≤ 0.5 s in a file ≤ 1 MB; 30 frames of
 * conv2's full 50 × 20 grid ≤ 3 s. Timed end to end as the CLI does it (SQLite read, render, encode),
 * on a stored run of 30 snapshots. Also: one conv2 grid drawn for a canvas (goal: well under 16 ms).
 */
import { cpus, loadavg } from 'node:os';
import { exportRunGif } from '../../src-main/core/gif/export-run.ts';
import { getRun } from '../../src-main/core/store/runs.ts';
import { readTensor, readTensorSeries } from '../../src-main/core/store/snapshots.ts';
import { readStatsSeries } from '../../src-main/core/store/tensor-stats.ts';
import { animationFrames, animationRun, layerView, statsScale } from '../../src-main/shared/render/animation.ts';
import { tensorAt } from '../../src-main/shared/render/diff.ts';
import type { Frame } from '../../src-main/shared/render/frame.ts';
import { encodeGif } from '../../src-main/shared/render/gif.ts';
import { renderTensor } from '../../src-main/shared/render/render.ts';
import { scaleFor } from '../../src-main/shared/render/scale.ts';
import { openTempDb, storeRun } from '../unit/core/gif/store.ts';
import { removeTempDirs } from '../helpers.ts';

/** Median wall-clock milliseconds of `runs` calls (after one warm-up). */
async function median(runs: number, fn: () => unknown): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const verdict = (value: number, goal: number, unit: string) => `goal ≤ ${goal} ${unit}: ${value <= goal ? 'met' : 'MISSED'}`;

console.log(`${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const { db } = openTempDb();
try {
  // Snapshots 0..29 (with finer ones in the first epoch, as training stores them).
  const epochs = [0, 0.25, 0.5, 0.75, ...Array.from({ length: 26 }, (_, i) => i + 1)];
  const runId = storeRun(db, 'bench', epochs);

  let bytes = 0;
  const conv1 = await median(5, async () => (bytes = (await exportRunGif(db, { runIds: [runId], layer: 'conv1', zoom: 8, colormap: 'study' })).bytes.length));
  console.log(`conv1, 30 frames at 8×, end to end            ${(conv1 / 1000).toFixed(3)} s  ${verdict(conv1 / 1000, 0.5, 's')}`);
  console.log(`conv1 GIF size                                ${(bytes / 1e6).toFixed(3)} MB  ${verdict(bytes / 1e6, 1, 'MB')}`);

  // The same frames drawn without encoding (each snapshot read from the store), then encoded alone.
  const stats = readStatsSeries(db, runId, 'conv1/kernel')!;
  const view = layerView([stats.shape], statsScale([stats]), { layer: 'conv1', zoom: 8, colormap: 'study' });
  let frames: Frame[] = [];
  const render = await median(5, async () => {
    frames = [];
    const animation = animationFrames([animationRun(getRun(db, runId)!)], view, {}, (_, seq) => readTensor(db, runId, 'conv1/kernel', seq)!.data);
    for await (const f of animation.frames) frames.push(f);
  });
  const encode = await median(5, () => encodeGif(frames));
  console.log(`  of which: draw 30 frames ${render.toFixed(1)} ms, encode ${encode.toFixed(1)} ms (${frames[0]!.width}×${frames[0]!.height})`);

  const conv2 = await median(3, async () => (bytes = (await exportRunGif(db, { runIds: [runId], layer: 'conv2', zoom: 3, colormap: 'diverging' })).bytes.length));
  console.log(`conv2 full grid, 30 frames at 3×, end to end ${(conv2 / 1000).toFixed(3)} s  ${verdict(conv2 / 1000, 3, 's')}  (${(bytes / 1e6).toFixed(2)} MB)`);

  // The canvas path: one conv2 grid to RGBA, into a kept buffer as the page does.
  const c2 = readTensorSeries(db, runId, 'conv2/kernel')!;
  const scale = scaleFor(c2.shape, c2.data, 'layer');
  let k = 0;
  const into = renderTensor(tensorAt(c2, 0), c2.shape, 'conv2', { colormap: 'diverging', scale, zoom: 3 }).rgba;
  const grid = await median(101, () => renderTensor(tensorAt(c2, k++ % 30), c2.shape, 'conv2', { colormap: 'diverging', scale, zoom: 3 }, into));
  console.log(`conv2 grid (50×20 kernels at 3×) to RGBA       ${grid.toFixed(2)} ms  ${verdict(grid, 16, 'ms')}`);
} finally {
  db.close();
  removeTempDirs();
}
