/**
 * Makes the bundled sample, resources/sample/fashion-mnist/: the first 6,000 training and 1,000 test
 * images of Fashion-MNIST as gzipped IDX files with the original names. Reproducible: the same input
 * gives the same bytes (Node's gzip writes no timestamp).
 *
 *   npx tsx resources/sample/make-sample.ts [SOURCE_DIR]   (default /usr/share/datasets/fashion-mnist)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadDataset } from '../../src-main/datasets/index.ts';
import { encodeIdx } from '../../src-main/datasets/idx.ts';
import { resourcesDir } from '../../src-main/core/paths.ts';

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const target = join(resourcesDir, 'sample', 'fashion-mnist');
const TRAIN = 6000;
const TEST = 1000;

const data = await loadDataset(source, { trainLimit: TRAIN, testLimit: TEST });
const [rows, cols] = data.description.shape;
mkdirSync(target, { recursive: true });
for (const [prefix, split] of [['train', data.train], ['t10k', data.test]] as const) {
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(target, name), gzipSync(bytes, { level: 9 }));
  write(`${prefix}-images-idx3-ubyte.gz`, encodeIdx([split.count, rows, cols], split.images));
  write(`${prefix}-labels-idx1-ubyte.gz`, encodeIdx([split.count], split.labels));
  console.log(`${prefix}: ${split.count} images of ${rows}×${cols}`);
}
console.log(`written to ${target}`);
