/**
 * The layer analyses' speed goals (issue "Layers"), through the core's own service on the wasm backend:
 *   - the whole layer analysis (CKA of six layers between every pair of snapshots, dead units) of a
 *     30-snapshot run on 1,000 probe images ≤ 30 s, from a cold start of the forward-pass process;
 *   - one new snapshot, as while a run trains (the earlier snapshots' Grams kept by that process) ≤ 2 s;
 * and the filter analyses' (issue "Filters"), one snapshot, the forward-pass process warm:
 *   - top-9 for all units (conv1's 20, conv2's 50, the 10 classes) over the whole test set (10,000 images) ≤ 2 s;
 *   - feature visualization, FEATUREVIS_STEPS steps batched across units, ≤ 15 s for conv2's 50 + 10 classes
 *     (the batch also holds conv1's 20: all 80 units are measured).
 * The run holds LeNet-shaped random weights (the figures do not depend on the values); the probes are real
 * Fashion-MNIST test images (the full test set where Debian's dataset-fashion-mnist is installed, else
 * the bundled sample). The load average is printed: on a shared machine the wall clock mostly measures
 * waiting for a core, the CPU time (this process and the forward pass's) does not.
 *
 *   npm run bench analysis
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDatasetFromDisk, BUNDLED_SAMPLE_DIR } from '../../src-main/core/dataset-registry.ts';
import { coreContext } from '../../src-main/core/startup.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { FEATUREVIS_STEPS } from '../../src-preload/api.ts';
import { cpuMs, storeRandomRun, storeRandomSnapshot } from './helpers/random-run.ts';

const FULL = '/usr/share/datasets/fashion-mnist';
const SNAPSHOTS = 30;
const PROBES = 1000;

const report = (what: string, ms: number, goal: number, cpu: number | null) =>
  console.log(
    `${what.padEnd(72)} ${(ms / 1000).toFixed(2).padStart(6)} s  (goal ≤ ${goal / 1000} s: ${ms <= goal ? 'met' : 'MISSED'})` +
      `${cpu === null ? '' : `; CPU ${(cpu / 1000).toFixed(2)} s`}; load average ${loadavg()[0]!.toFixed(1)}`,
  );

const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const dbPath = join(dir, 'bench.db');
const db = openDatabase(dbPath);
const ctx = coreContext({ db, dbPath, shell: 'browser', emit: () => {} });
try {
  const data = existsSync(FULL) ? FULL : BUNDLED_SAMPLE_DIR;
  const dataset = await addDatasetFromDisk(db, data);
  const runId = storeRandomRun(db, dataset, SNAPSHOTS);
  console.log(`${data}: ${SNAPSHOTS} snapshots of LeNet 28×28×1 (random weights), ${PROBES} probe images, wasm`);

  let cpu = cpuMs();
  let t = performance.now();
  await ctx.analyses.analyze(runId, { probes: PROBES });
  const whole = performance.now() - t;
  const wholeCpu = cpu === null ? null : cpuMs()! - cpu;
  report(`whole layer analysis, ${SNAPSHOTS} snapshots (cold forward-pass process)`, whole, 30_000, wholeCpu);

  const times: number[] = [];
  for (let seq = SNAPSHOTS; seq < SNAPSHOTS + 3; seq++) {
    storeRandomSnapshot(db, runId, seq);
    cpu = cpuMs();
    t = performance.now();
    await ctx.analyses.analyze(runId, { probes: PROBES });
    times.push(performance.now() - t);
  }
  const cpuEach = cpu === null ? null : cpuMs()! - cpu;
  report(`one new snapshot against the ${SNAPSHOTS}–${SNAPSHOTS + 2} before it (last of 3; the others ${times.slice(0, 2).map((x) => (x / 1000).toFixed(2)).join(', ')} s)`, times.at(-1)!, 2000, cpuEach);

  // The filters' analyses of one snapshot each, on a run of three (the process is warm from the above).
  const filtersRun = storeRandomRun(db, dataset, 3);
  for (const [kind, goal, what] of [
    ['top9', 2000, 'top-9 of all 80 units over'],
    ['featurevis', 15_000, `feature visualization of all 80 units, ${FEATUREVIS_STEPS} steps, batched; test set`],
  ] as const) {
    const each: number[] = [];
    let size = 0;
    cpu = cpuMs();
    await ctx.filters.compute(filtersRun, {
      kinds: [kind],
      steps: FEATUREVIS_STEPS,
      onProgress: (p) => {
        size = p.probes;
        each.push(performance.now());
      },
    });
    const cpuAll = cpu === null ? null : cpuMs()! - cpu;
    const per = each.slice(1).map((x, i) => x - each[i]!);
    report(`${what} ${size} test images, one snapshot (of 3: ${per.map((x) => (x / 1000).toFixed(2)).join(', ')} s)`, Math.min(...per), goal, cpuAll === null ? null : cpuAll / 3);
  }
} finally {
  ctx.inference.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
