/** `weightlapse train | runs | export-weights` as a person runs them: real processes, a real database. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENSOR_NAMES } from '../../../src-preload/api.ts';
import { snapshotFolders } from '../../../src-main/cli/commands/export-weights.ts';
import { parseTrainConfig } from '../../../src-main/cli/commands/train.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { NPY_MAGIC } from '../../../src-main/core/export/npy.ts';
import { openDatabase } from '../../../src-main/core/store/db.ts';
import { getRun } from '../../../src-main/core/store/runs.ts';
import { readTensor } from '../../../src-main/core/store/snapshots.ts';
import { SAMPLE_DIR } from '../core/training/sample.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
let dir: string;
let dbPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-cli-'));
  dbPath = join(dir, 'w.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run from a folder outside the app's, as a person runs it (the trainer it forks must still find its loader). */
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, '--db', dbPath, ...args], { encoding: 'utf8', cwd: dir });

/** A .npy file read back independently of the writer: header fields, then the float32 body. */
function readNpy(bytes: Buffer): { header: string; shape: number[]; data: Float32Array } {
  expect([...bytes.subarray(0, 8)]).toEqual(NPY_MAGIC);
  const headerLength = bytes.readUInt16LE(8);
  expect((10 + headerLength) % 64).toBe(0);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = bytes.subarray(10 + headerLength);
  return { header, shape, data: new Float32Array(Uint8Array.from(body).buffer) };
}

describe('weightlapse CLI', () => {
  it('trains with --json, lists the run, and exports every snapshot as .npy', () => {
    const train = cli('train', '--data', SAMPLE_DIR, '--epochs', '1', '--train-limit', '128', '--test-limit', '50', '--snapshots-per-epoch', '2', '--backend', 'wasm', '--json');
    expect(train.status, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/backend: wasm \(CPU: wasm, \d threads? — asked for by name\)/);
    const last = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(Object.keys(last).sort()).toEqual(['backend', 'epochs', 'id', 'imagesPerSecond', 'testAccuracy']);
    expect(last).toMatchObject({ epochs: 1, backend: 'wasm' });
    expect(last.testAccuracy).toBeGreaterThan(0);

    const runs = cli('runs', '--json');
    expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining({ id: last.id, status: 'done', epochsDone: 1, backend: 'wasm' })]);
    expect(cli('runs').stdout).toMatch(/#1\s+done\s+1\/1/);

    const out = join(dir, 'npy');
    const exported = cli('export-weights', '--run', String(last.id), '--out', out);
    expect(exported.status, exported.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['epoch_0000', 'epoch_0000_s01', 'epoch_0001', 'snapshots.json']);
    const db = openDatabase(dbPath);
    try {
      const run = getRun(db, last.id as number)!;
      for (const [i, folder] of snapshotFolders(run.snapshots).entries()) {
        for (const name of TENSOR_NAMES) {
          const npy = readNpy(readFileSync(join(out, folder, `${name.replace('/', '_')}.npy`)));
          const stored = readTensor(db, run.id, name, run.snapshots[i]!.seq)!;
          expect(npy.header).toMatch(/'descr': '<f4', 'fortran_order': False/);
          expect(npy.shape).toEqual(stored.shape);
          expect(npy.data).toEqual(stored.data);
        }
      }
    } finally {
      db.close();
    }
    const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (numpy.status === 0) {
      const script = `import numpy as np; a = np.load(${JSON.stringify(join(out, 'epoch_0001', 'conv2_kernel.npy'))}); print(a.dtype, a.shape, a.flags['C_CONTIGUOUS'])`;
      expect(spawnSync('python3', ['-c', script], { encoding: 'utf8' }).stdout.trim()).toBe('float32 (5, 5, 20, 50) True');
    }
  });

  it('names sub-epoch snapshot folders after their epoch', () => {
    expect(snapshotFolders([0, 0.25, 0.5, 0.75, 1, 2, 10].map((epoch) => ({ epoch })))).toEqual([
      'epoch_0000',
      'epoch_0000_s01',
      'epoch_0000_s02',
      'epoch_0000_s03',
      'epoch_0001',
      'epoch_0002',
      'epoch_0010',
    ]);
  });

  it('reports a bad option in one line, exit code 2, and starts nothing', () => {
    const before = cli('runs', '--json');
    const result = cli('train', '--data', SAMPLE_DIR, '--epochs', 'two');
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('weightlapse: --epochs: expected a whole number, got "two"');
    expect(cli('runs', '--json').stdout).toBe(before.stdout);
    // In the contract's own words, as the new-run form says them.
    expect(() => parseTrainConfig({ data: '.', freeze: 'conv1,conv9' })).toThrow(/^--freeze: only conv1, conv2, fc1, fc2 can be frozen$/);
    expect(() => parseTrainConfig({ data: '.', optimizer: 'rmsprop' })).toThrow(/^--optimizer: the optimizer is sgd or adam$/);
    expect(() => parseTrainConfig({ data: '.', trainLimit: '0' })).toThrow(/^--train-limit: at least 1 training image$/);
    expect(() => parseTrainConfig({ data: '.', epochs: '0' })).toThrow(/^--epochs: at least 1 epoch$/);
    expect(() => parseTrainConfig({ data: '.', batch: '5000' })).toThrow(/^--batch: a batch of at most 4096 images$/);
    expect(parseTrainConfig({ data: '.', freeze: 'conv1, conv2', lr: '0.001', optimizer: 'adam' })).toMatchObject({
      freeze: ['conv1', 'conv2'],
      learningRate: 0.001,
      optimizer: 'adam',
      epochs: 29,
    });
  });

  it('stops the run cleanly on Ctrl-C, and --resume finishes it', async () => {
    const child = spawn(process.execPath, [BIN, '--db', dbPath, 'train', '--data', SAMPLE_DIR, '--epochs', '2', '--train-limit', '3000', '--test-limit', '50', '--backend', 'wasm', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (/epoch 0: test accuracy/.test(chunk.toString())) resolve();
      });
    });
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(130); // as a shell expects of a command Ctrl-C interrupted
    const { id } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { id: number };
    const db = openDatabase(dbPath);
    try {
      expect(getRun(db, id)).toMatchObject({ status: 'stopped', error: null });
    } finally {
      db.close();
    }
    expect(cli('train', '--resume', String(id), '--epochs', '5').stderr).toMatch(/--resume carries on with the run's own settings; drop --epochs/);
    const resumed = cli('train', '--resume', String(id), '--json');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout.trim().split('\n').at(-1)!)).toMatchObject({ id, epochs: 2 });
  });

  it("runs the study's freeze experiment: same start, frozen convolutions untouched, and a table", () => {
    const run = cli('train', '--experiment', 'freeze-conv', '--data', SAMPLE_DIR, '--epochs', '1', '--train-limit', '128', '--test-limit', '50', '--seed', '5', '--json');
    expect(run.status, run.stderr).toBe(0);
    const table = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      experiment: string;
      trained: { id: number; testAccuracy: number };
      frozen: { id: number; testAccuracy: number };
      gap: number;
      changeSinceInit: Record<string, { trained: number; frozen: number }>;
    };
    expect(table.experiment).toBe('freeze-conv');
    expect(table.gap).toBeCloseTo(table.trained.testAccuracy - table.frozen.testAccuracy, 12);
    expect(table.changeSinceInit.conv1!.frozen).toBe(0);
    expect(table.changeSinceInit.conv2!.frozen).toBe(0);
    expect(table.changeSinceInit.conv1!.trained).toBeGreaterThan(0);
    const db = openDatabase(dbPath);
    try {
      expect(getRun(db, table.frozen.id)!.config.freeze).toEqual(['conv1', 'conv2']);
      for (const name of TENSOR_NAMES) {
        const a = readTensor(db, table.trained.id, name, 0)!.data;
        const b = readTensor(db, table.frozen.id, name, 0)!.data;
        expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer)), name).toBe(true);
      }
      for (const name of ['conv1/kernel', 'conv2/bias'] as const) {
        const start = readTensor(db, table.frozen.id, name, 0)!.data;
        const end = readTensor(db, table.frozen.id, name, 1)!.data;
        expect(Buffer.from(end.buffer).equals(Buffer.from(start.buffer)), name).toBe(true);
      }
    } finally {
      db.close();
    }
    expect(cli('train', '--experiment', 'freeze-conv', '--data', SAMPLE_DIR, '--freeze', 'fc1').stderr).toMatch(/^weightlapse: --experiment freeze-conv chooses what is frozen itself/);
  });
});
