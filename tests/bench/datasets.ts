/**
 * Data set parsing speed. Goals: Fashion-MNIST's 60,000 gzipped training images ≤ 1 s; a CIFAR-10-sized
 * archive (50,000 + 10,000 records of 3,073 bytes, gzipped tar) ≤ 2 s; the same 60,000 images as PNG
 * files in class folders prepared into a tensor file faster than torchvision's ImageFolder + DataLoader
 * decodes them (measured here, in the same run), and opened again from that file in ≤ 0.5 s. Prints the
 * median of a few runs.
 */
import { randomFillSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { create } from 'tar';
import { readIdxImages, readIdxLabels } from '../../src-main/datasets/idx.ts';
import { inspectDataset, loadDataset } from '../../src-main/datasets/index.ts';

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

/** torchvision's ImageFolder + DataLoader over `folder`: seconds from listing the folder to the last batch. */
const TORCHVISION = `
import sys, time, torch
from torchvision import datasets, transforms
folder, workers = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(1)
start = time.perf_counter()
data = datasets.ImageFolder(folder, transform=transforms.Compose([transforms.Grayscale(), transforms.ToTensor()]))
n = sum(x.shape[0] for x, _ in torch.utils.data.DataLoader(data, batch_size=256, num_workers=workers))
print(n, time.perf_counter() - start)
`;

/** The fastest of torchvision with 0 and 2 worker processes, or why it could not run. */
function torchvision(folder: string): { seconds: number; workers: number } | string {
  const times: { seconds: number; workers: number }[] = [];
  for (const workers of [0, 2]) {
    const run = spawnSync('/usr/bin/python3', ['-c', TORCHVISION, folder, String(workers)], { encoding: 'utf8' });
    if (run.status !== 0) return `torchvision did not run (${run.stderr.trim().split('\n').at(-1) ?? run.error?.message}); Debian's python3-torchvision provides it`;
    const [n, seconds] = run.stdout.trim().split(' ').map(Number);
    if (n !== 60_000) return `torchvision read ${n} images, not 60,000`;
    console.log(`  torchvision ImageFolder + DataLoader, ${workers} workers: ${seconds!.toFixed(3)} s`);
    times.push({ seconds: seconds!, workers });
  }
  return times.sort((a, b) => a.seconds - b.seconds)[0]!;
}

/** Fashion-MNIST's training images as grey PNG files, one folder per class. */
async function writePngFolder(folder: string): Promise<void> {
  const images = await readIdxImages(join(FASHION, 'train-images-idx3-ubyte.gz'));
  const labels = await readIdxLabels(join(FASHION, 'train-labels-idx1-ubyte.gz'));
  for (let c = 0; c < 10; c++) mkdirSync(join(folder, `class-${c}`), { recursive: true });
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < images.count; i++) {
    for (let p = 0; p < 784; p++) png.data.fill(images.data[i * 784 + p]!, p * 4, p * 4 + 3).writeUInt8(255, p * 4 + 3);
    writeFileSync(join(folder, `class-${labels[i]}`, `${String(i).padStart(5, '0')}.png`), PNG.sync.write(png, { colorType: 0 }));
  }
}

async function benchImageFolder(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-png-'));
  try {
    const folder = join(dir, 'fashion-png');
    await writePngFolder(folder);
    const prepared = join(dir, 'bench.datasets');
    // Once: a second preparation of the same folder would find the first's file.
    const first = await median(1, () => inspectDataset(folder, { preparedDir: prepared }));
    report('60,000 PNG files of 28×28 in class folders → prepared tensor file', first);
    const peer = torchvision(folder);
    if (typeof peer === 'string') console.log(`skipped the comparison: ${peer}`);
    else {
      const ratio = peer.seconds / first.wall;
      console.log(`  → ${ratio.toFixed(2)}× torchvision's speed (its best: ${peer.workers} workers)  goal > 1×: ${ratio > 1 ? 'met' : 'MISSED'}`);
    }
    const { path } = await inspectDataset(folder, { preparedDir: prepared });
    report('the same folder opened again (listing checked, prepared file found)', await median(5, () => inspectDataset(folder, { preparedDir: prepared })), 0.5);
    report('its prepared file read as a run reads it (listing checked, 60,000 images)', await median(5, () => loadDataset(path)), 0.5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (existsSync(FASHION)) {
  report(
    'Fashion-MNIST 60,000 training images (.gz), header to pixels',
    await median(5, () => readIdxImages(join(FASHION, 'train-images-idx3-ubyte.gz'))),
    1,
  );
  report('Fashion-MNIST whole data set (70,000 images + labels, checked)', await median(5, () => loadDataset(FASHION)));
  await benchImageFolder();
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
