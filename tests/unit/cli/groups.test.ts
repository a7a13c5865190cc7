/**
 * Groups for real: a group's members are the same runs as single runs with their seeds (bit for bit, though
 * they train side by side on fewer threads each), each layer's change per epoch is banded over them as NumPy
 * computes the mean and t interval from their stored changes, and a group whose CLI and trainers are all killed with
 * SIGKILL resumes every member, losing none of their stored epochs, and ends as the uninterrupted group did.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, runConfigSchema, TENSOR_NAMES, type GroupSummary, type RunSummary } from '../../../src-preload/api.ts';
import { addDatasetFromDisk } from '../../../src-main/core/dataset-registry.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { openDatabase, type Db } from '../../../src-main/core/store/db.ts';
import { groupRunIds } from '../../../src-main/core/store/groups.ts';
import { getRun } from '../../../src-main/core/store/runs.ts';
import { readTensor } from '../../../src-main/core/store/snapshots.ts';
import { groupSummary, startGroup } from '../../../src-main/core/training/groups.ts';
import { startRun, type TrainingContext } from '../../../src-main/core/training/service.ts';
import { Trainers } from '../../../src-main/core/training/trainers.ts';
import { SAMPLE_DIR } from '../core/training/sample.ts';
import { until } from '../../helpers.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
const SEEDS = [3, 4];
// Enough images that the second epoch outlasts the time it takes to deliver the kills.
const SETTINGS = { epochs: 2, batchSize: 32, trainLimit: 256, testLimit: 50, backend: 'wasm' as const };
const FLAGS = ['--epochs', '2', '--batch', '32', '--train-limit', '256', '--test-limit', '50', '--backend', 'wasm'];

let dir: string;
let db: Db;
let ctx: TrainingContext;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-groups-'));
  db = openDatabase(join(dir, 'whole.db'));
  ctx = { db, emit: () => {}, trainers: new Trainers({ db, emit: () => {} }) };
});
afterAll(async () => {
  await ctx?.trainers.stopAll();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Every tensor of every snapshot of the run, as the SHA-256 of its bytes: equal digests are equal bytes, and
 * comparing them is instant where a deep equality of the megabytes themselves takes a core for a minute.
 */
function snapshotBytes(from: Db, runId: number): string[][] {
  const digest = (data: Float32Array) => createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
  return getRun(from, runId)!.snapshots.map((s) => TENSOR_NAMES.map((name) => digest(readTensor(from, runId, name, s.seq)!.data)));
}

/** The trainer processes (children) of a process, by its id. */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const childrenOf = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').filter((s) => s.trim()).map(Number);

describe('a group of seeds', () => {
  let group: GroupSummary;

  it('trains members bit-identical to single runs with the same seeds', async () => {
    const { id: datasetId } = await addDatasetFromDisk(db, SAMPLE_DIR);
    const config = runConfigSchema.parse(SETTINGS);
    group = await startGroup(ctx, { datasetId, kind: 'plain', seeds: SEEDS, config });
    expect(group.plan).toMatch(/at once, wasm with \d+ threads? each/);
    for (const m of group.members) expect(await ctx.trainers.finished(m.runId)).toBe('done');
    // One after another, as single runs train (each on every core).
    const singles: RunSummary[] = [];
    for (const seed of SEEDS) {
      const run = await startRun(ctx, { datasetId, config: { ...config, seed } });
      expect(await ctx.trainers.finished(run.id)).toBe('done');
      singles.push(run);
    }
    const members = groupRunIds(db, group.id);
    expect(members.map((id) => getRun(db, id)!.config.seed)).toEqual(SEEDS);
    SEEDS.forEach((_, i) => expect(snapshotBytes(db, members[i]!)).toEqual(snapshotBytes(db, singles[i]!.id)));
    expect(snapshotBytes(db, members[0]!)[2]).not.toEqual(snapshotBytes(db, members[1]!)[2]); // the seeds differ
  }, 600_000);

  it("bands each layer's change per epoch as the members' mean with its t interval, as NumPy computes them from the stored changes", () => {
    const summary = groupSummary(ctx, group.id);
    // Per layer, the members' stored ‖W_e − W_prev‖ / ‖W_prev‖ at the snapshot of each whole epoch 1, 2 (read from the store, not the summary).
    const stored = Object.fromEntries(LAYERS.map((layer) => [layer, summary.members.map((m) => {
      const { snapshots } = getRun(db, m.runId)!;
      return [1, 2].map((e) => snapshots.find((s) => s.epoch === e)!.layers[layer].relChangePrev);
    })]));
    // Two seeds: t(0.975, 1) = 12.706204736174705 (the t table); the interval is mean ± t · s / √n, s with n − 1.
    const script = [
      'import json, sys, numpy as np',
      'out = {}',
      'for layer, rows in json.load(sys.stdin).items():',
      '  a = np.array(rows, dtype=np.float64); m = a.mean(0); h = 12.706204736174705 * a.std(0, ddof=1) / np.sqrt(a.shape[0])',
      '  out[layer] = [m.tolist(), (m - h).tolist(), (m + h).tolist()]',
      'print(json.dumps(out))',
    ].join('\n');
    const python = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(stored), encoding: 'utf8' });
    expect(python.status, python.stderr).toBe(0);
    const numpy = JSON.parse(python.stdout) as Record<string, number[][]>;
    const [arm] = summary.arms;
    for (const layer of LAYERS) {
      expect(arm!.change[layer][0]).toBeNull(); // nothing has changed at epoch 0
      for (const e of [1, 2]) {
        const band = arm!.change[layer][e]!;
        expect(band.n).toBe(2);
        const [mean, low, high] = numpy[layer]!.map((edge) => edge[e - 1]!);
        for (const [ours, theirs] of [[band.mean, mean!], [band.low!, low!], [band.high!, high!]] as const) {
          expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(1e-12 * Math.abs(theirs));
        }
        expect(band.low!).toBeLessThan(band.mean); // the two seeds moved by different amounts
      }
    }
  });

  it('killed with its trainers (SIGKILL), resumes every member without losing a stored epoch, ending as the whole group', async () => {
    const dbPath = join(dir, 'killed.db');
    const child = spawn(process.execPath, [BIN, '--db', dbPath, 'train', '--data', SAMPLE_DIR, '--seeds', SEEDS.join(','), ...FLAGS], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const endedFirst = exited.then(() => {
      throw new Error(`the CLI ended before a member stored epoch 1:\n${stderr}`);
    });
    await Promise.race([until('a member to store epoch 1', () => /run #\d epoch 1:/.test(stderr), 10), endedFirst]);
    void endedFirst.catch(() => {}); // it ends below, killed
    const trainers = childrenOf(child.pid!);
    const killed = [child.pid!, ...trainers];
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    await exited;
    // The orphaned trainers are reaped by the system, not by us: until then their pids still answer.
    await until('the killed trainers to be gone', () => killed.every((pid) => !alive(pid)));

    const afterKill = openDatabase(dbPath);
    const before = [1, 2].map((runId) => snapshotBytes(afterKill, runId));
    afterKill.close();
    // Killed in the middle: a member has stored epoch 1, neither epoch 2.
    expect(Math.max(...before.map((s) => s.length))).toBe(2);

    const resumed = spawnSync(process.execPath, [BIN, '--db', dbPath, '--json', 'train', '--resume-group', '1'], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!) as GroupSummary;
    expect(summary.status).toBe('done');
    expect(summary.members.map((m) => m.epochsDone)).toEqual([2, 2]);

    const after = openDatabase(dbPath);
    try {
      const whole = groupRunIds(db, group.id);
      [1, 2].forEach((runId, i) => {
        const bytes = snapshotBytes(after, runId);
        expect(bytes.slice(0, before[i]!.length)).toEqual(before[i]); // nothing stored before the kill was lost or changed
        expect(bytes).toEqual(snapshotBytes(db, whole[i]!));
      });
    } finally {
      after.close();
    }
  }, 600_000);
});
