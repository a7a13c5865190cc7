/**
 * Preparing an image folder, once: read its layout, decode and resize every image, hold out a test
 * split where the folder has none, and write the tensor file that runs read. The file's name is the
 * key of the folder's listing (paths, sizes, modification times) and of the options, so opening an
 * unchanged folder again with the same options reads no image, and a changed folder is prepared anew.
 *
 * Files that cannot be used (damaged, not images, unreadable) are left out and listed with the reason;
 * a folder with fewer than two usable classes, or no usable image, is refused with a message that says
 * why, and nothing is written.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  SKIPPED_LISTED,
  type DatasetProgress,
  type ImageOptions,
  type ImageShape,
  type SkippedFile,
} from '../../../src-preload/api.ts';
import { DatasetError } from '../errors.ts';
import { readRegularFile, readRegularFileSync } from '../regular-file.ts';
import { countClasses, type Split } from '../split.ts';
import { breather } from './breather.ts';
import { decoderName, ImageSkip, MAX_DECODED_BYTES, MAX_FILE_BYTES, planDecode, type Pixels } from './decode.ts';
import { holdOut } from './holdout.ts';
import { MemoryPool } from './memory-pool.ts';
import { PREPARED_EXTENSION, readPreparedHeader, readPreparedIndex, writePrepared, type PreparedHeader } from './prepared-file.ts';
import { RESIZE_FILTER, resizeImage } from './resample.ts';
import { MIN_CLASSES, scanImageFolder, type FolderScan } from './scan.ts';

/** Files read and decoded at once: enough to keep sharp's threads and the disk busy. */
const CONCURRENCY = 8;
/**
 * What the images in flight may take together: 256 MB of their files' bytes, and 256 MB for decoding them
 * (reckoned from each header before decoding). Eight small images go at once; a large one waits for room,
 * and the largest allowed goes alone.
 */
const FILE_POOL_BYTES = MAX_FILE_BYTES;
const DECODE_POOL_BYTES = MAX_DECODED_BYTES;
const SYNC_READ_BYTES = 1 << 20;
const PROGRESS_EVERY_MS = 100;

export interface PrepareOptions {
  images: ImageOptions;
  /** Where prepared files go: `preparedDir(dbPath)`. */
  dir: string;
  onProgress?: (progress: DatasetProgress) => void;
}

/**
 * Where a database's prepared image data sets live: a folder beside it, named after it
 * (`weightlapse.db` → `weightlapse.datasets/`). The one place that decides it.
 */
export function preparedDir(dbPath: string): string | undefined {
  if (dbPath === '' || dbPath === ':memory:') return undefined;
  return join(dirname(dbPath), `${basename(dbPath).replace(/\.[^.]*$/, '')}.datasets`);
}

const inFlight = new Map<string, Promise<PreparedHeader>>();

/** Prepares the folder (or finds it prepared): the prepared file's path and header. */
export async function prepareImageFolder(folder: string, options: PrepareOptions): Promise<{ file: string; header: PreparedHeader }> {
  options.onProgress?.({ folder, phase: 'scanning', done: 0, total: 0 });
  const scan = await scanImageFolder(folder);
  const file = join(options.dir, preparedName(scan, options.images));
  const known = await readPreparedHeader(file).catch(() => null);
  if (known?.key === scan.key) return { file, header: known };
  // Two requests for the same folder and options (a double click) share one preparation.
  let pending = inFlight.get(file);
  if (!pending) {
    pending = build(scan, file, options).finally(() => inFlight.delete(file));
    inFlight.set(file, pending);
  }
  return { file, header: await pending };
}

function preparedName(scan: FolderScan, images: ImageOptions): string {
  const slug = basename(scan.folder).replace(/[^\w.-]+/g, '-').slice(0, 40) || 'images';
  const hash = createHash('sha256').update(JSON.stringify([scan.key, images])).digest('hex').slice(0, 20);
  return `${slug}-${hash}${PREPARED_EXTENSION}`;
}

/**
 * The prepared file's header, after checking that its folder still holds exactly what it was made
 * from: a run never trains on a stale copy.
 */
export async function checkPrepared(file: string): Promise<PreparedHeader> {
  const header = await readPreparedHeader(file);
  const { folder } = header.description.images;
  const scan = await scanImageFolder(folder);
  if (scan.key !== header.key) {
    throw new DatasetError(folder, `changed since it was prepared (${await changes(file, scan)}); add it again to use its files as they are now`);
  }
  return header;
}

/** "2 files added, 1 changed", from the listing the file was made from. */
async function changes(file: string, scan: FolderScan): Promise<string> {
  const before = new Map((await readPreparedIndex(file)).listing.map(([rel, size, time]) => [rel, `${size}:${time}`]));
  const now = new Map(scan.listing.map(([rel, size, time]) => [rel, `${size}:${time}`]));
  const added = [...now.keys()].filter((rel) => !before.has(rel)).length;
  const removed = [...before.keys()].filter((rel) => !now.has(rel)).length;
  const changed = [...now].filter(([rel, stamp]) => before.has(rel) && before.get(rel) !== stamp).length;
  const parts = [
    [added, 'added'],
    [removed, 'removed'],
    [changed, 'changed'],
  ] as const;
  const said = parts.filter(([n]) => n > 0).map(([n, what], i) => `${n}${i === 0 ? ` file${n === 1 ? '' : 's'}` : ''} ${what}`);
  return said.join(', ') || 'moved';
}

async function build(scan: FolderScan, file: string, options: PrepareOptions): Promise<PreparedHeader> {
  const { folder, files } = scan;
  const progress = progressReporter(folder, files.length, options.onProgress);
  const outputs = new Outputs(files.length, options.images.shape, options.images.fit);
  const skipped: SkippedFile[] = [...scan.skipped];
  // File indices to decode; images to decode again (see Outputs) join at the end.
  const queue = files.map((_, i) => i);
  let next = 0;
  const breathe = breather();
  const [filePool, decodePool] = [new MemoryPool(FILE_POOL_BYTES), new MemoryPool(DECODE_POOL_BYTES)];
  // The file's bytes are held until it is decoded; decoding waits for its share after them (always in this
  // order, so that no two images wait for each other).
  const decodeFile = (f: (typeof files)[number]) =>
    filePool.use(f.size, async () => {
      const decoding = await planDecode(await readImage(f.path, f.size));
      return decodePool.use(decoding.bytes, () => decoding.decode());
    });
  const worker = async () => {
    while (next < queue.length) {
      const i = queue[next++]!;
      const f = files[i]!;
      try {
        const again = outputs.put(i, await decodeFile(f));
        queue.push(...again);
        progress.more(again.length);
      } catch (err) {
        if (!(err instanceof ImageSkip)) throw err;
        skipped.push({ file: f.rel, reason: err.message });
      }
      progress.step();
      await breathe();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  // Classes that kept no image are no classes.
  const usable = files.map((_, i) => i).filter((i) => outputs.has(i));
  const kept = [...new Set(usable.map((i) => files[i]!.label))].sort((a, b) => a - b);
  for (let label = 0; label < scan.classes.length; label++) {
    if (!kept.includes(label)) skipped.push({ file: `${scan.classFolders[label]}/`, reason: 'no usable images in this class folder' });
  }
  skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (usable.length === 0) throw new DatasetError(folder, `no usable images: ${files.length} files skipped (${example(skipped)})`);
  if (kept.length < MIN_CLASSES) {
    throw new DatasetError(folder, `usable images in only one class (${scan.classes[kept[0]!]}); a data set needs at least ${MIN_CLASSES} (${example(skipped)})`);
  }
  const classes = kept.map((l) => scan.classes[l]!);
  const label = new Map(kept.map((l, i) => [l, i]));

  const test =
    scan.split === 'folders'
      ? usable.map((i) => files[i]!.split === 'test')
      : holdOut(usable.map((i) => files[i]!), options.images.holdout, options.images.seed);
  const trainOrder = usable.filter((_, n) => !test[n]);
  const testOrder = usable.filter((_, n) => test[n]);
  if (testOrder.length === 0) {
    throw new DatasetError(folder, scan.split === 'folders' ? 'its test folder holds no usable images' : 'too few images to hold out a test split: a class needs at least 2');
  }
  if (trainOrder.length === 0) throw new DatasetError(folder, 'its train folder holds no usable images');

  progress.phase('writing');
  const { shape, split } = outputs.finish();
  const train = split(trainOrder, (i) => label.get(files[i]!.label)!);
  const testSplit = split(testOrder, (i) => label.get(files[i]!.label)!);
  const header: PreparedHeader = {
    key: scan.key,
    description: {
      name: basename(folder),
      format: 'images',
      shape,
      classes,
      train: countClasses(train.labels, classes.length),
      test: countClasses(testSplit.labels, classes.length),
      images: {
        folder,
        split: scan.split,
        options: options.images,
        resize: RESIZE_FILTER,
        decoder: await decoderName(),
        skipped: skipped.slice(0, SKIPPED_LISTED),
        skippedCount: skipped.length,
      },
    },
  };
  await mkdir(dirname(file), { recursive: true });
  const rel = (order: number[]) => order.map((i) => files[i]!.rel);
  await writePrepared(file, header, train, testSplit, { listing: scan.listing, train: rel(trainOrder), test: rel(testOrder) });
  progress.phase('writing', 1);
  return header;
}

async function readImage(path: string, size: number): Promise<Buffer> {
  if (size > MAX_FILE_BYTES) throw new ImageSkip(`larger than ${MAX_FILE_BYTES >> 20} MB`);
  const limit = { maxBytes: MAX_FILE_BYTES, what: 'training image' };
  try {
    // A small file is read at once: through promises, opening, reading and closing cost more than the bytes.
    return size <= SYNC_READ_BYTES ? readRegularFileSync(path, limit) : await readRegularFile(path, limit);
  } catch (err) {
    if (err instanceof DatasetError) throw new ImageSkip(err.problem);
    throw err;
  }
}

const example = (skipped: SkippedFile[]) => {
  const first = skipped.find((s) => !s.file.endsWith('/')) ?? skipped[0];
  return first ? `for example ${first.file}: ${first.reason}` : 'nothing readable';
};

function progressReporter(folder: string, total: number, report?: (p: DatasetProgress) => void) {
  let done = 0;
  let last = 0;
  return {
    more(count: number) {
      total += count;
    },
    step() {
      done++;
      const now = Date.now();
      if (report && (now - last >= PROGRESS_EVERY_MS || done === total)) {
        last = now;
        report({ folder, phase: 'decoding', done, total });
      }
    },
    phase(phase: DatasetProgress['phase'], doneOf1 = 0) {
      report?.({ folder, phase, done: doneOf1, total: 1 });
    },
  };
}

const GREY_28 = { side: 28, channels: 1 } as const;
const COLOUR_32 = { side: 32, channels: 3 } as const;
type Target = typeof GREY_28 | typeof COLOUR_32;
const bytesOf = (t: Target) => t.side * t.side * t.channels;

/**
 * The resized images, by file index. For `auto` the shape is known only at the end (grey if every
 * image is grey), so images are kept grey until the first colour one; from then on colour, and the
 * images already done are to be decoded again (`put` returns them). A folder mixed from the start
 * costs nothing more; one whose first colour image comes last is decoded twice.
 */
class Outputs {
  private target: Target;
  private buffer: Uint8Array;
  private readonly filled: Uint8Array;

  constructor(
    private readonly count: number,
    private readonly shape: ImageShape,
    private readonly fit: ImageOptions['fit'],
  ) {
    this.filled = new Uint8Array(count);
    this.target = shape === '32x32x3' ? COLOUR_32 : GREY_28;
    this.buffer = new Uint8Array(count * bytesOf(this.target));
  }

  has(i: number): boolean {
    return this.filled[i] === 1;
  }

  /** Keeps image `i` resized; returns the indices to decode again (after the switch to colour). */
  put(i: number, image: Pixels): number[] {
    let again: number[] = [];
    if (this.shape === 'auto' && image.channels === 3 && this.target !== COLOUR_32) {
      again = [...this.filled.keys()].filter((k) => this.filled[k] === 1);
      this.filled.fill(0);
      this.target = COLOUR_32;
      this.buffer = new Uint8Array(this.count * bytesOf(COLOUR_32));
    }
    this.buffer.set(resizeImage(image, { ...this.target, fit: this.fit }), i * bytesOf(this.target));
    this.filled[i] = 1;
    return again;
  }

  /** The shape it came to, and a way to gather images (in a given order of file indices) into a split. */
  finish(): { shape: [number, number, number]; split: (order: number[], label: (i: number) => number) => Split } {
    const { target, buffer } = this;
    const size = bytesOf(target);
    return {
      shape: [target.side, target.side, target.channels],
      split(order, label) {
        const images = new Uint8Array(order.length * size);
        order.forEach((i, n) => images.set(buffer.subarray(i * size, (i + 1) * size), n * size));
        return { images, labels: Uint8Array.from(order, label), count: order.length };
      },
    };
  }
}
