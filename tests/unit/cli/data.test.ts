import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../../src-preload/api.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { listDatasets } from '../../../src-main/core/store/datasets.ts';
import { openDatabase } from '../../../src-main/core/store/db.ts';
import { getRun, getStoredRun } from '../../../src-main/core/store/runs.ts';
import { readTensor } from '../../../src-main/core/store/snapshots.ts';
import { cifarArchive, cifarFolder, FASHION, idxFolder, SAMPLE } from '../datasets/fixtures.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';
import { classFolders, imageDirs, writeTree } from '../datasets/image-folders.ts';

afterAll(removeTempDirs);

/** Runs `weightlapse …` as a person would, in its own process. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(appRoot, 'src-main', 'cli', 'weightlapse.mjs'), ...args], { env: { ...process.env, WEIGHTLAPSE_DB: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('weightlapse data', () => {
  it.runIf(existsSync(FASHION))('inspect --json describes Fashion-MNIST', async () => {
    const { code, stdout } = await cli('data', 'inspect', FASHION, '--json');
    expect(code).toBe(0);
    const d = JSON.parse(stdout);
    expect(d).toMatchObject({ format: 'idx', shape: [28, 28, 1], train: { count: 60000 }, test: { count: 10000 } });
    expect(d.classes).toEqual(['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']);
    expect(d.train.perClass).toEqual(new Array(10).fill(6000));
  });

  it('inspect prints a table for people, and JSON for a CIFAR-10 archive', async () => {
    const human = await cli('data', 'inspect', SAMPLE);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('shape 28×28×1 (H×W×C), 10 classes, train 6000, test 1000');
    expect(human.stdout).toMatch(/Ankle boot\s+\d+\s+\d+/);

    const archive = await cifarArchive(cifarFolder({ perBatch: 20 }).dir);
    const { code, stdout } = await cli('--json', 'data', 'inspect', archive);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ format: 'cifar10', shape: [32, 32, 3], train: { count: 100 }, test: { count: 20 } });
  });

  it('a corrupt file: exit code 1 and one line naming the file and the fault', async () => {
    const dir = idxFolder({ change: { testImages: (b) => (b.writeUInt32BE(0x00000901, 0), b) } });
    const { code, stdout, stderr } = await cli('data', 'inspect', dir, '--json');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `weightlapse: ${join(dir, 't10k-images-idx3-ubyte')}: not an IDX images file: magic number 0x00000901, expected 0x00000803 (unsigned bytes, 3 dimensions)\n`,
    );
  });

  it('add, list, remove through the registry; a bad data set is not added', async () => {
    const db = join(tempDir(), 'w.db');
    const added = await cli('--db', db, '--json', 'data', 'add', idxFolder(), '--name', 'copy');
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout);

    const bad = await cli('--db', db, 'data', 'add', idxFolder({ change: { trainLabels: (b) => b.subarray(0, 100) } }));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^weightlapse: .*train-labels-idx1-ubyte: longer than its header says|^weightlapse: .*train-labels-idx1-ubyte: cut short/);

    const list = JSON.parse((await cli('--db', db, '--json', 'data', 'list')).stdout);
    expect(list.map((d: { name: string; available: boolean }) => [d.name, d.available])).toEqual([
      ['copy', true],
      ['Fashion-MNIST sample', true],
      ['MNIST sample', true],
    ]);
    expect((await cli('--db', db, 'data', 'remove', String(id))).stdout).toBe(`removed data set #${id}\n`);
    const after = await cli('--db', db, 'data', 'list');
    expect(after.stdout).toMatch(/^#\d+ {2}Fashion-MNIST sample \(bundled\) {2}idx, 28×28×1, 10 classes, train 6000, test 1000 .*\n#\d+ {2}MNIST sample \(bundled\) {2}idx, 28×28×1, 10 classes, train 8571, test 1429/);
    expect(after.stdout).not.toContain('copy');
  });

  it('fetch refuses files that do not match the published checksums', async () => {
    const server = createServer((req, res) => {
      const file = join(SAMPLE, req.url!.split('/').pop()!);
      if (!existsSync(file)) return res.writeHead(404).end();
      res.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fm`;
      const to = tempDir();
      const { code, stderr } = await cli('data', 'fetch', 'fashion-mnist', '--to', to, '--base-url', base);
      expect(code).toBe(1);
      const lines = stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('train-images-idx3-ubyte.gz: starting');
      expect(lines.at(-1)).toMatch(
        new RegExp(`^weightlapse: ${base}/train-images-idx3-ubyte\\.gz: checksum mismatch: expected md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d, got [0-9a-f]{32}\\. The download was deleted`),
      );
      expect(existsSync(join(to, 'train-images-idx3-ubyte.gz'))).toBe(false);
      expect(existsSync(join(to, 'train-images-idx3-ubyte.gz.part'))).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('weightlapse data with a folder of images', () => {
  it('inspect prints the preparation, class counts, imbalance and files left out; --json the same; --samples what the network sees', async () => {
    const { root } = imageDirs('symbols');
    await classFolders(root, [4, 8], 12);
    await classFolders(root, [5], 4);
    writeTree(root, { 'Bag/broken.png': 'not a png' });
    const db = join(tempDir(), 'w.db');
    const samples = join(tempDir(), 'samples.png');

    const human = await cli('--db', db, 'data', 'inspect', root, '--fit', 'squash', '--holdout', '1/4', '--samples', samples);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`symbols (images) at ${root}\n`);
    expect(human.stdout).toContain('shape 28×28×1 (H×W×C), 3 classes, train 21, test 7\n');
    expect(human.stdout).toContain('shape auto (grey if every image is grey); squashed; 25.0% of each class held out for testing (seed 1)\n');
    expect(human.stdout).toMatch(/resized by exact area averaging when shrinking, bilinear when enlarging\ndecoded by sharp /);
    expect(human.stdout).toMatch(/\n {2}Sandal\s+3\s+1\n/);
    expect(human.stdout).toContain('imbalance: Bag has 9 training images, Sandal 3 (3.0×)\n');
    expect(human.stdout).toContain('1 file left out:\n  Bag/broken.png: not an image (not PNG, JPEG, GIF, WebP, TIFF or AVIF)\n');
    // Ten per class would not fit the seven test images: a row per class, as many as there are.
    const png = PNG.sync.read(readFileSync(samples));
    expect([png.width, png.height]).toEqual([10 * 29 - 1, 3 * 29 - 1]);

    const json = await cli('--db', db, '--json', 'data', 'inspect', root, '--fit', 'squash', '--holdout', '0.25');
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe('');
    const d = JSON.parse(json.stdout);
    expect(d).toMatchObject({ format: 'images', classes: ['Bag', 'Coat', 'Sandal'], train: { perClass: [9, 9, 3] }, test: { perClass: [3, 3, 1] } });
    expect(d.images).toMatchObject({ folder: root, options: { fit: 'squash', holdout: 0.25 }, skippedCount: 1, skipped: [{ file: 'Bag/broken.png' }] });
    expect(d.path.startsWith(join(dirname(db), 'w.datasets'))).toBe(true);

    const bad = await cli('--db', db, 'data', 'inspect', root, '--shape', '64x64');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^weightlapse: --shape: /);
    expect((await cli('--db', db, 'data', 'inspect', root, '--holdout', 'most')).stderr).toBe('weightlapse: --holdout: expected a number, got "most"\n');
  });

  it('train --data FOLDER prepares it and trains LeNet with one output per class', async () => {
    const { root } = imageDirs('three-kinds');
    await classFolders(root, [4, 8, 5], 40);
    const dbPath = join(tempDir(), 'w.db');
    const train = await cli('--db', dbPath, '--json', 'train', '--data', root, '--epochs', '1', '--batch', '16', '--backend', 'wasm');
    expect(train.code, train.stderr).toBe(0);
    const result = JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { id: number; testAccuracy: number };
    expect(result.testAccuracy).toBeGreaterThan(0);

    const db = openDatabase(dbPath);
    try {
      const run = getRun(db, result.id)!;
      expect(run).toMatchObject({ status: 'done', classes: ['Bag', 'Coat', 'Sandal'], inputShape: [28, 28, 1] });
      expect(readTensor(db, result.id, 'fc2/kernel', 1)!.shape).toEqual([500, 3]);
      expect(readTensor(db, result.id, 'fc2/bias', 1)!.shape).toEqual([3]);
      const [dataset] = listDatasets(db).filter((d) => d.format === 'images');
      expect(dataset).toMatchObject({ name: 'three-kinds', train: { count: 99 }, test: { count: 21 } });
      expect(getStoredRun(db, result.id)!.datasetPath).toBe(dataset!.path);
    } finally {
      db.close();
    }
    // Added again with other options: training on the folder takes the one added last.
    expect((await cli('--db', dbPath, 'data', 'add', root, '--fit', 'squash', '--name', 'squashed')).code).toBe(0);
    const short = ['--epochs', '1', '--train-limit', '32', '--test-limit', '20', '--backend', 'wasm'];
    const again = await cli('--db', dbPath, '--json', 'train', '--data', root, ...short);
    expect(again.code, again.stderr).toBe(0);
    const images = async () => (JSON.parse((await cli('--db', dbPath, '--json', 'data', 'list')).stdout) as DatasetInfo[]).filter((d) => d.format === 'images');
    const [first, squashed] = await images();
    expect(squashed).toMatchObject({ name: 'squashed', images: { options: { fit: 'squash' } } });
    // (Newest first.)
    expect(JSON.parse((await cli('--db', dbPath, '--json', 'runs')).stdout)).toEqual([
      expect.objectContaining({ datasetId: squashed!.id }),
      expect.objectContaining({ datasetId: first!.id }),
    ]);

    // The folder changed: it is prepared again, the same way, as a new data set; the old ones say why they are unavailable.
    writeTree(root, { 'Bag/one-more.png': readFileSync(join(root, 'Bag', readdirSync(join(root, 'Bag'))[0]!)) });
    const changed = await cli('--db', dbPath, '--json', 'train', '--data', root, ...short);
    expect(changed.code, changed.stderr).toBe(0);
    const after = await images();
    expect(after.map((d) => [d.available, d.images!.options.fit, d.train.count + d.test.count])).toEqual([
      [false, 'crop', 120],
      [false, 'squash', 120],
      [true, 'squash', 121],
    ]);
    expect(after[0]!.problem).toBe(`${root}: changed since it was prepared (1 file added); add it again to use its files as they are now`);
  });
});
