/**
 * Faults of a desktop machine, met the way a person meets them: `weightlapse` in its own processes on a
 * real database — a disk that fills up (a small tmpfs), a database the user may not write, the CLI training
 * while another Weightlapse process browses the same database, two resumes of one run at once, two
 * processes creating one database at once, and a run of 1,000 epochs.
 */
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, TENSOR_NAMES, type ApiResult, type EventName, type RunDetail, type RunSummary } from '../../../src-preload/api.ts';
import { createHandlers } from '../../../src-main/core/api/handlers.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { openCore } from '../../../src-main/core/startup.ts';
import { openDatabase } from '../../../src-main/core/store/db.ts';
import { getRun } from '../../../src-main/core/store/runs.ts';
import { readTensor } from '../../../src-main/core/store/snapshots.ts';
import { sampleIdx } from '../datasets/fixtures.ts';
import { mountProblem, mountTmpfs, remount, unmount } from '../core/store/filesystems.ts';
import { SAMPLE_DIR } from '../core/training/sample.ts';
import { until } from '../../helpers.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
const SMALL = ['--train-limit', '64', '--test-limit', '50', '--backend', 'wasm'];
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-cli-faults-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (dbPath: string, args: string[], options: SpawnSyncOptions = {}) =>
  spawnSync(process.execPath, [BIN, '--db', dbPath, ...args], { encoding: 'utf8', ...options }) as { status: number | null; stdout: string; stderr: string };

/** `weightlapse …` started in the background; `done` resolves with its exit code and output. */
function cliAsync(dbPath: string, args: string[]) {
  const child = spawn(process.execPath, [BIN, '--db', dbPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (status) => resolve({ status, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

/** What a person sees of a failure: exactly one line on stderr, no stack trace. */
function expectOneLine(stderr: string, message: RegExp | string): void {
  const lines = stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(message);
  expect(stderr).not.toMatch(/unexpected error|SqliteError|\n\s+at /);
}

/** Every snapshot of the run whole, in order, and the file sound. */
function expectIntact(dbPath: string, runId: number): RunDetail {
  const db = openDatabase(dbPath);
  try {
    const run = getRun(db, runId)!;
    expect(run.snapshots.map((s) => s.seq)).toEqual(run.snapshots.map((_, i) => i));
    for (const s of run.snapshots) for (const name of TENSOR_NAMES) expect(readTensor(db, runId, name, s.seq)).toBeDefined();
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return run;
  } finally {
    db.close();
  }
}

describe('weightlapse on a machine that misbehaves', () => {
  it('disk full (a real tmpfs): the run fails in one line naming the file, earlier snapshots stay, and it resumes once there is room', ({ skip }) => {
    if (mountProblem) skip(mountProblem);
    const disk = mountTmpfs(12);
    try {
      const dbPath = join(disk, 'w.db');
      const train = cli(dbPath, ['train', '--data', SAMPLE_DIR, '--epochs', '6', ...SMALL]);
      expect(train.status).toBe(1);
      expectOneLine(train.stderr, new RegExp(`^weightlapse: run #1 failed: disk full: the disk holding ${dbPath} has [\\d.]+ MB free, .*Snapshot \\d was not stored; .*free some space, then resume the run\\.$`));
      const failed = expectIntact(dbPath, 1);
      expect(failed.status).toBe('failed');
      expect(failed.snapshots.length).toBeGreaterThanOrEqual(1);
      expect(failed.snapshots.length).toBeLessThan(7);
      expect(cli(dbPath, ['db', 'check']).status).toBe(0);

      remount(disk, 'size=64m');
      const resumed = cli(dbPath, ['train', '--resume', '1', '--json']);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ id: 1, epochs: 6 });
      expect(expectIntact(dbPath, 1).snapshots.map((s) => s.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    } finally {
      unmount(disk);
    }
  }, 300_000);

  it('a database the user may not write: lists its runs, and refuses training in one line saying why', () => {
    const folder = join(dir, 'shared');
    mkdirSync(folder);
    chmodSync(dir, 0o755); // the way to it open to every user
    const dbPath = join(folder, 'w.db');
    expect(cli(dbPath, ['train', '--data', SAMPLE_DIR, '--epochs', '1', ...SMALL]).status).toBe(0);
    chmodSync(dbPath, 0o444);
    chmodSync(folder, 0o555);
    // Root may write anything: as root, act as an ordinary user (nobody) would.
    const asUser: SpawnSyncOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    try {
      const runs = cli(dbPath, ['runs', '--json'], asUser);
      expect(runs.status, runs.stderr).toBe(0);
      expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining({ id: 1, status: 'done' })]);
      const train = cli(dbPath, ['train', '--data', SAMPLE_DIR, '--epochs', '1', ...SMALL], asUser);
      expect(train.status).toBe(1);
      expectOneLine(train.stderr, `weightlapse: ${dbPath} is read-only (its file permissions do not allow writing): training and edits are off`);
    } finally {
      chmodSync(folder, 0o755);
    }
    expect(cli(dbPath, ['runs', '--json']).stdout).toMatch(/^\[\{"id":1,/); // one run still, nothing written
  });

  it('processes opening one new database at the same moment all get the whole schema, made once', async () => {
    const open = join(appRoot, 'src-main', 'core', 'store', 'db.ts');
    for (let i = 0; i < 3; i++) {
      const dbPath = join(dir, `fresh-${i}.db`);
      const go = `${dbPath}.go`;
      // Each process spins until the same file appears, then opens: as near to the same moment as processes get.
      // It says "ready" once its modules are loaded, so the file is made only when all four spin.
      const script = `import { existsSync } from 'node:fs'; import { openDatabase } from ${JSON.stringify(open)};
        process.stdout.write('ready\\n'); while (!existsSync(${JSON.stringify(go)})); openDatabase(${JSON.stringify(dbPath)}).close();`;
      const openers = Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
        const exited = new Promise<string>((resolve) => child.on('exit', (code) => resolve(`${code} ${stderr}`.trim())));
        return { ready: Promise.race([ready, exited]), exited };
      });
      await Promise.all(openers.map((o) => o.ready));
      writeFileSync(go, '');
      expect(await Promise.all(openers.map((o) => o.exited))).toEqual(['0', '0', '0', '0']);
      expect(cli(dbPath, ['db', 'check']).status).toBe(0);
    }
  }, 300_000);

  it('the CLI trains while another process browses: live changes, one trainer per run, no busy errors', async () => {
    const dbPath = join(dir, 'shared-live.db');
    const core = await openCore(dbPath, { shell: 'browser' });
    const changed: number[] = [];
    // What each announced change showed: the run's status when it was announced (the page re-reads the same).
    const announced: (string | undefined)[] = [];
    const off = core.subscribe((event: EventName, payload) => {
      if (event !== 'run.changed') return;
      const { runId } = payload as { runId: number };
      changed.push(runId);
      announced.push(getRun(core.ctx.db, runId)?.status);
    });
    const call = <T>(method: string, input: unknown) => dispatch(createHandlers(core.ctx), method, input) as Promise<ApiResult<T>>;
    try {
      const training = cliAsync(dbPath, ['train', '--data', SAMPLE_DIR, '--epochs', '4', '--train-limit', '800', '--test-limit', '50', '--backend', 'wasm', '--json']);
      const run = await until('the CLI run to store a snapshot', async () => {
        const list = await call<RunSummary[]>('runs.list', {});
        return list.ok && list.value.find((r) => r.status === 'running' && r.epochsDone >= 1);
      });
      await until('a change announced from the other process', () => changed.includes(run.id));

      const other = /is being trained by another Weightlapse process \(pid \d+\)/;
      for (const [method, then] of [
        ['runs.resume', 'stop it there, or let it finish'],
        ['runs.remove', 'stop it there before removing it'],
        ['runs.stop', 'stop it there'],
      ] as const) {
        const refused = await call(method, { id: run.id });
        expect(refused, method).toMatchObject({ ok: false, error: { code: 'conflict', field: 'id' } });
        if (!refused.ok) expect(refused.error.message, method).toMatch(new RegExp(`^run #${run.id} ${other.source}; ${then}$`));
      }
      // Writes from both processes at once: each waits its turn, none fails busy.
      let renames = 0;
      let ended = false; // a CLI that ends early must fail below with its own words, not leave this loop waiting
      void training.done.then(() => (ended = true));
      const epochsStored = async () => {
        const got = await call<RunSummary>('runs.get', { id: run.id });
        return got.ok ? got.value.epochsDone : 0;
      };
      while (!ended && (await epochsStored()) < 3) {
        expect(await call('runs.rename', { id: run.id, name: `renamed ${renames++}` })).toMatchObject({ ok: true });
        await new Promise((r) => setTimeout(r, 20));
      }
      const { status, stderr } = await training.done;
      expect(status, stderr).toBe(0);
      expect(stderr).not.toMatch(/SQLITE_BUSY|busy/);
      // The other process's last write (the run done) is announced here; it may have been before the CLI exited.
      await until('the finished run, announced here', () => announced.includes('done'));
      expect(await call<RunSummary>('runs.get', { id: run.id })).toMatchObject({ ok: true, value: { status: 'done' } });
      expect(renames).toBeGreaterThan(0);
      expect(expectIntact(dbPath, run.id).snapshots).toHaveLength(5);
    } finally {
      off();
      await core.close();
    }
  }, 300_000);

  it('two resumes of one run at once: one trains it, the other is told which process does', async () => {
    const dbPath = join(dir, 'race.db');
    const first = cliAsync(dbPath, ['train', '--data', SAMPLE_DIR, '--epochs', '3', '--train-limit', '800', '--test-limit', '50', '--backend', 'wasm']);
    await until('the first epoch', () => first.stderr().includes('run #1 epoch 1:'));
    first.child.kill('SIGKILL'); // the CLI dies; its trainer follows when its channel closes
    await first.done;
    await until('the run to read interrupted', () => (JSON.parse(cli(dbPath, ['runs', '--json']).stdout) as RunSummary[])[0]!.status === 'interrupted');

    const [a, b] = await Promise.all([cliAsync(dbPath, ['train', '--resume', '1', '--json']).done, cliAsync(dbPath, ['train', '--resume', '1', '--json']).done]);
    const [won, lost] = a.status === 0 ? [a, b] : [b, a];
    expect(won.status, won.stderr).toBe(0);
    expect(lost.status).toBe(1);
    expectOneLine(lost.stderr, /^weightlapse: run #1 is being trained by another Weightlapse process \(pid \d+\); stop it there, or let it finish$/);
    expect(expectIntact(dbPath, 1).snapshots.map((s) => s.epoch)).toEqual([0, 1, 2, 3]);
  }, 300_000);

  it('a run of 1,000 epochs stores, lists and reads back', () => {
    // A small cut of real images (16×16, the least LeNet's two 5×5 convolutions and pools take): 0.2 MB a snapshot.
    const data = join(dir, 'tiny');
    mkdirSync(data);
    const crop = (idx: Buffer, count: number) => {
      const out = Buffer.alloc(16 + count * 256);
      out.writeUInt32BE(0x803, 0);
      out.writeUInt32BE(count, 4);
      out.writeUInt32BE(16, 8);
      out.writeUInt32BE(16, 12);
      for (let i = 0; i < count; i++) for (let y = 0; y < 16; y++) idx.copy(out, 16 + i * 256 + y * 16, 16 + i * 784 + (y + 6) * 28 + 6, 16 + i * 784 + (y + 6) * 28 + 22);
      return out;
    };
    const labels = (idx: Buffer, count: number) => Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, count]), idx.subarray(8, 8 + count)]);
    writeFileSync(join(data, 'train-images-idx3-ubyte'), crop(sampleIdx('trainImages'), 16));
    writeFileSync(join(data, 'train-labels-idx1-ubyte'), labels(sampleIdx('trainLabels'), 16));
    writeFileSync(join(data, 't10k-images-idx3-ubyte'), crop(sampleIdx('testImages'), 16));
    writeFileSync(join(data, 't10k-labels-idx1-ubyte'), labels(sampleIdx('testLabels'), 16));

    const dbPath = join(dir, 'long.db');
    const train = cli(dbPath, ['train', '--data', data, '--epochs', '1000', '--batch', '16', '--backend', 'wasm', '--json'], { timeout: 600_000 });
    expect(train.status, train.stderr.slice(-2000)).toBe(0);
    expect(JSON.parse(train.stdout.trim().split('\n').at(-1)!)).toMatchObject({ id: 1, epochs: 1000 });
    const runs = cli(dbPath, ['runs', '--json']);
    expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining({ id: 1, status: 'done', epochsDone: 1000, epochs: 1000 })]);
    expect(cli(dbPath, ['runs']).stdout).toMatch(/#1\s+done\s+1000\/1000/);
    const run = expectIntact(dbPath, 1);
    expect(run.snapshots.map((s) => s.epoch)).toEqual(Array.from({ length: 1001 }, (_, i) => i));
    expect(run.trainSeconds).toBeGreaterThan(0);
    // The write-ahead log is folded back as the run goes: it does not grow with the run.
    expect(statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBeLessThan(16 * 1024 * 1024);
  }, 600_000);
});
