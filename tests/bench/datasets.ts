/**
 * Data set parsing speed. Goals: Fashion-MNIST's 60,000 gzipped training images ≤ 1 s; a CIFAR-10-sized
 * archive (50,000 + 10,000 records of 3,073 bytes, gzipped tar) ≤ 2 s. Prints the median of a few runs.
 */
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import { readIdxImages } from '../../src-main/core/datasets/idx.ts';
import { loadDataset } from '../../src-main/core/datasets/index.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';

interface Timing {
  wall: number;
  cpu: number;
}

/** Median wall-clock seconds of a few runs, with that run's CPU seconds (this process, all threads). */
async function median(runs: number, fn: () => Promise<unknown>): Promise<Timing> {
  const timings: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    await fn();
    const cpu = process.cpuUsage(cpu0);
    timings.push({ wall: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6 });
  }
  return timings.sort((a, b) => a.wall - b.wall)[Math.floor(runs / 2)]!;
}

function report(what: string, { wall, cpu }: Timing, goal?: number): void {
  const verdict = goal ? `  goal ≤ ${goal} s: ${wall <= goal ? 'met' : 'MISSED'}` : '';
  console.log(`${what.padEnd(64)} ${wall.toFixed(3)} s (cpu ${cpu.toFixed(3)} s)${verdict}`);
}

// Other work on the machine slows every figure: say how busy it was.
console.log(`${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

if (existsSync(FASHION)) {
  report(
    'Fashion-MNIST 60,000 training images (.gz), header to pixels',
    await median(5, () => readIdxImages(join(FASHION, 'train-images-idx3-ubyte.gz'))),
    1,
  );
  report('Fashion-MNIST whole data set (70,000 images + labels, checked)', await median(5, () => loadDataset(FASHION)));
} else {
  console.log(`skipped Fashion-MNIST: ${FASHION} not found (Debian package dataset-fashion-mnist)`);
}

// CIFAR-10-sized: random pixels compress about as little as real CIFAR-10 does (170 MB of 184 MB).
const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
try {
  const batches = join(dir, 'cifar-10-batches-bin');
  mkdirSync(batches);
  const batch = (records: number) => {
    const bytes = randomFillSync(new Uint8Array(records * 3073));
    for (let r = 0; r < records; r++) bytes[r * 3073] = bytes[r * 3073]! % 10;
    return bytes;
  };
  for (let n = 1; n <= 5; n++) writeFileSync(join(batches, `data_batch_${n}.bin`), batch(10_000));
  writeFileSync(join(batches, 'test_batch.bin'), batch(10_000));
  writeFileSync(join(batches, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
  const archive = join(dir, 'cifar-10-binary.tar.gz');
  await create({ gzip: true, file: archive, cwd: dir }, ['cifar-10-batches-bin']);
  console.log(`(archive: ${(statSync(archive).size / 1e6).toFixed(0)} MB)`);

  report('CIFAR-10-sized .tar.gz, 60,000 records to HWC (read in place)', await median(3, () => loadDataset(archive)), 2);
  report('CIFAR-10-sized folder, 60,000 records to HWC', await median(3, () => loadDataset(batches)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
