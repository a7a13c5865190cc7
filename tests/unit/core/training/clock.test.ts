/**
 * The wall clock changes while a run trains (a manual change, NTP stepping it, a trip across time zones
 * does not, as timestamps are UTC): the core and its trainer run under libfaketime, whose clock the test
 * moves a day back and then two hours forward mid-run. Timings come from the monotonic clock, so speeds
 * and ETAs stay positive; the run stores and lists as any other.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo, RunDetail, RunSummary, TrainingProgress } from '../../../../src-preload/api.ts';
import { startCoreProcess } from '../../renderer/core-process.ts';
import { until } from '../../../helpers.ts';

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find(existsSync);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-clock-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clock changes', () => {
  it('a day back and two hours forward mid-run: timings and ETAs never negative, the run stores and lists', async ({ skip }) => {
    if (!LIBFAKETIME) skip('libfaketime is not installed (Debian: apt-get install libfaketime); it moves the clock of the app\'s processes only');
    const clock = join(dir, 'clock');
    writeFileSync(clock, '+0\n');
    const core = await startCoreProcess(join(dir, 'runs.db'), {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: clock,
      // Read the file at every look at the clock, so that a jump applies to the very next snapshot (with
      // libfaketime's default cache, a fast epoch could be stored before the jump is seen).
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1', // as on a real machine: only the wall clock jumps
    });
    try {
      const progress: TrainingProgress[] = [];
      core.client.on('run.progress', (p) => progress.push(p));
      const [sample] = await core.client.call('datasets.list', {}) as DatasetInfo[];
      const config = { epochs: 4, batchSize: 32, trainLimit: 800, testLimit: 100, backend: 'wasm' } as const;
      const { id } = (await core.client.call('runs.start', { datasetId: sample!.id, config })) as RunSummary;
      const epochs = async () => ((await core.client.call('runs.get', { id })) as RunDetail).epochsDone;
      await until('epoch 1', async () => (await epochs()) >= 1);
      writeFileSync(clock, '-1d\n');
      await until('epoch 2', async () => (await epochs()) >= 2);
      writeFileSync(clock, '+2h\n');
      await until('the end of the run', async () => ((await core.client.call('runs.get', { id })) as RunDetail).status !== 'running');

      const run = (await core.client.call('runs.get', { id })) as RunDetail;
      expect(run).toMatchObject({ status: 'done', error: null, epochsDone: 4 });
      expect(run.snapshots.map((s) => s.epoch)).toEqual([0, 1, 2, 3, 4]);
      // The fault happened: a snapshot stored after the jump back is dated before the one stored before it.
      const dates = run.snapshots.map((s) => Date.parse(s.createdAt));
      expect(dates.some((d, i) => i > 0 && d < dates[i - 1]! - 12 * 3600_000)).toBe(true);
      expect(run.trainSeconds).toBeGreaterThan(0);
      expect(run.imagesPerSecond).toBeGreaterThan(0);
      expect(progress.length).toBeGreaterThan(0);
      for (const p of progress) {
        expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(p.etaSeconds)).toBe(true);
        expect(p.imagesPerSecond).toBeGreaterThan(0);
      }
      expect(((await core.client.call('runs.list', {})) as RunSummary[]).map((r) => [r.id, r.status])).toEqual([[id, 'done']]);
    } finally {
      core.close();
    }
  }, 300_000);
});
