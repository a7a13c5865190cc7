/**
 * An image folder's layout, read without decoding anything: one subfolder per class (sorted by name,
 * as torchvision's `ImageFolder` sorts them), optionally inside `train/` and `test/` (or `val/`) at the
 * top; the candidate files of each class; the entries that cannot be in the data set, and why; and the
 * key of the whole listing (paths, sizes, modification times), which names the prepared tensor file
 * and tells when the folder changed since.
 *
 * Symbolic links are followed, as torchvision follows them; a folder reached a second time within its
 * class (a link loop, or two links to one folder) is read once and the other path is reported. One folder
 * reached as two classes, or in both train/ and test/, is refused: its images would say two things.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { SkippedFile } from '../../../src-preload/api.ts';
import { DatasetError } from '../errors.ts';
import { breather } from './breather.ts';

export const MIN_CLASSES = 2;
export const MAX_CLASSES = 100;
/** More files than this is a data set for a streaming loader, not for one in memory. */
export const MAX_FILES = 500_000;
/** More entries than this is no data set but a disk: the listing alone would fill memory. */
export const MAX_ENTRIES = 2_000_000;
/**
 * Past this many files not named as images, outnumbering the images ten to one, this is no folder of
 * images but, say, a home or project folder: refused before it is all read.
 */
export const NOT_IMAGES_LIMIT = 10_000;
/** Class folders nested deeper than this are not read (a runaway tree, not a data set). */
const MAX_DEPTH = 16;
/**
 * What is read as an image, by name, as torchvision's ImageFolder chooses (the content decides the
 * format: a PNG named .jpg is read as a PNG). BMP is named so that it is reported as such.
 */
const IMAGE_NAME = /\.(png|jpe?g|jpe|jfif|gif|webp|tiff?|avif|bmp)$/i;
const NOT_IMAGE_NAME = 'not an image, by its name (images end in .png, .jpg, .jpeg, .gif, .webp, .tif, .tiff or .avif)';
const TRAIN_NAMES = ['train'];
/** The first of these present is the test split. */
const TEST_NAMES = ['test', 'val', 'valid', 'validation'];

export interface ImageFile {
  /** Path relative to the folder, with `/` separators: how reports and the split name it. */
  rel: string;
  path: string;
  size: number;
  mtimeMs: number;
  /** Index into `FolderScan.classes`. */
  label: number;
  /** `pool`: no test folder, so the hold-out decides. */
  split: 'train' | 'test' | 'pool';
}

export interface FolderScan {
  folder: string;
  split: 'folders' | 'holdout';
  /** Class folders holding at least one file, sorted. */
  classes: string[];
  /** Each class's folder, relative to the folder (`cats`, or `train/cats` beside a test folder). */
  classFolders: string[];
  /** Candidate image files, sorted by `rel`. */
  files: ImageFile[];
  /** What is left out already (hidden entries, files outside class folders, links that lead nowhere…). */
  skipped: SkippedFile[];
  /** Every entry seen with its size and modification time, sorted: what the key hashes. */
  listing: ListingEntry[];
  /** SHA-256 of the folder's path and listing. */
  key: string;
}

/** `[rel, size, mtimeMs]`; folders that were not read have size and time -1. */
export type ListingEntry = [string, number, number];

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Walk {
  root: string;
  files: ImageFile[];
  skipped: SkippedFile[];
  listing: ListingEntry[];
  /** Folders read so far, by device and inode: the path they were read under, as which class and split. */
  seen: Map<string, { rel: string; label: number; split: ImageFile['split'] | null }>;
  /** Files in class folders not named as images. */
  others: number;
  /** Entries listed so far. */
  entries: number;
  breathe: () => Promise<void>;
}

export async function scanImageFolder(input: string): Promise<FolderScan> {
  const folder = resolve(input);
  const info = look(folder);
  if (info.kind !== 'dir') throw new DatasetError(folder, info.kind === 'missing' ? 'does not exist' : 'not a folder');
  const walk: Walk = { root: folder, files: [], skipped: [], listing: [], seen: new Map([[info.id, { rel: '', label: -1, split: null }]]), others: 0, entries: 0, breathe: breather() };
  const top = await entries(walk, folder, '');
  const layout = splitFolders(top);
  const classNames = layout ? await readSplitFolders(walk, top, layout) : await readClassFolders(walk, top, 'the folder', 'pool');
  // A class folder that held only folders or was empty is no class: classes are those with files.
  const used = [...new Set(walk.files.map((f) => f.label))].sort((a, b) => a - b);
  const classes = used.map((l) => classNames[l]!);
  const classFolder = (name: string) => (layout ? `${layout.train.rel}/${name}` : name);
  for (const name of classNames) {
    if (!classes.includes(name)) walk.skipped.push({ file: `${classFolder(name)}/`, reason: 'empty class folder' });
  }
  const relabel = new Map(used.map((l, i) => [l, i]));
  for (const f of walk.files) f.label = relabel.get(f.label)!;

  if (classNames.length === 0) {
    throw new DatasetError(folder, 'no class folders: put the images in one subfolder per class (…/cats/1.png, …/dogs/2.png), optionally inside train/ and test/');
  }
  if (walk.files.length === 0) throw new DatasetError(folder, `no image files in its ${classNames.length} class folder${classNames.length > 1 ? 's' : ''}`);
  if (classes.length < MIN_CLASSES) {
    throw new DatasetError(folder, `only one class (${classes[0]}/) holds files; a data set needs ${MIN_CLASSES} to ${MAX_CLASSES} classes, one folder each`);
  }
  if (classes.length > MAX_CLASSES) {
    throw new DatasetError(folder, `${classes.length} class folders; LeNet here trains on ${MIN_CLASSES} to ${MAX_CLASSES} classes`);
  }
  walk.files.sort((a, b) => byCodePoint(a.rel, b.rel));
  walk.skipped.sort((a, b) => byCodePoint(a.file, b.file));
  walk.listing.sort((a, b) => byCodePoint(a[0], b[0]));
  const key = createHash('sha256').update(JSON.stringify([folder, walk.listing])).digest('hex');
  return {
    folder,
    split: layout?.test ? 'folders' : 'holdout',
    classes,
    classFolders: classes.map(classFolder),
    files: walk.files,
    skipped: walk.skipped,
    listing: walk.listing,
    key,
  };
}

/**
 * What `stat` says of a path, links followed, kept as a few numbers: holding on to tens of thousands of
 * `Stats` objects costs more in garbage collection than the calls themselves. `missing`: a link that
 * leads nowhere or in a loop.
 */
interface Look {
  kind: 'dir' | 'file' | 'other' | 'missing';
  size: number;
  mtimeMs: number;
  /** Device and inode, for a folder: the same folder reached twice is read once. */
  id: string;
}

function look(path: string): Look {
  let info: Stats;
  try {
    info = statSync(path);
  } catch {
    return { kind: 'missing', size: -1, mtimeMs: -1, id: '' };
  }
  if (info.isDirectory()) return { kind: 'dir', size: -1, mtimeMs: -1, id: `${info.dev}:${info.ino}` };
  return { kind: info.isFile() ? 'file' : 'other', size: info.size, mtimeMs: info.mtimeMs, id: '' };
}

/** An entry of a folder. */
interface Entry extends Look {
  name: string;
  rel: string;
  path: string;
}

/** Calls to `breathe` while listing: one per this many entries keeps the overhead out of sight. */
const BREATHE_EVERY = 256;

async function entries(walk: Walk, path: string, rel: string): Promise<Entry[]> {
  let names: Dirent[];
  try {
    names = readdirSync(path, { withFileTypes: true });
  } catch (err) {
    walk.skipped.push({ file: `${rel}/`, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return [];
  }
  walk.entries += names.length;
  if (walk.entries > MAX_ENTRIES) throw new DatasetError(walk.root, `more than ${MAX_ENTRIES.toLocaleString('en-US')} files and folders in it: not a data set this app can hold`);
  const found: Entry[] = [];
  for (const [n, d] of names.entries()) {
    if (n % BREATHE_EVERY === 0) await walk.breathe();
    const entryRel = rel ? `${rel}/${d.name}` : d.name;
    if (d.name.startsWith('.')) {
      walk.listing.push([entryRel, -1, -1]);
      walk.skipped.push({ file: d.isDirectory() ? `${entryRel}/` : entryRel, reason: d.isDirectory() ? 'hidden folder' : 'hidden file' });
      continue;
    }
    const entryPath = `${path}${sep}${d.name}`;
    found.push({ name: d.name, rel: entryRel, path: entryPath, ...look(entryPath) });
  }
  return found.sort((a, b) => byCodePoint(a.name, b.name));
}

/** `train/` (holding folders) and the first of `test/`, `val/`… beside it; null when the top holds the classes. */
function splitFolders(top: Entry[]): { train: Entry; test: Entry | undefined } | null {
  const named = (names: string[]) => names.map((n) => top.find((e) => e.kind === 'dir' && e.name.toLowerCase() === n)).find((e) => e !== undefined);
  const train = named(TRAIN_NAMES);
  if (!train) return null;
  // A train/ of files is a class named "train", not a split.
  let inside: Dirent[] = [];
  try {
    inside = readdirSync(train.path, { withFileTypes: true });
  } catch {
    return null;
  }
  if (!inside.some((d) => !d.name.startsWith('.') && look(join(train.path, d.name)).kind === 'dir')) return null;
  return { train, test: named(TEST_NAMES) };
}

/** Reads each class folder among `found` (reporting the files beside them); their names, in order. */
async function readClassFolders(walk: Walk, found: Entry[], where: string, split: ImageFile['split']): Promise<string[]> {
  const folders = found.filter((entry) => entry.kind === 'dir');
  for (const entry of found) if (entry.kind !== 'dir') outside(walk, entry, `not in a class folder (${where} holds one folder per class)`);
  for (const [label, entry] of folders.entries()) await readClass(walk, entry, label, split);
  return folders.map((entry) => entry.name);
}

/** Reads train/ (its folders are the classes) and the test folder (the same classes); reports the rest. */
async function readSplitFolders(walk: Walk, top: Entry[], layout: { train: Entry; test: Entry | undefined }): Promise<string[]> {
  const { train, test } = layout;
  for (const entry of top) if (entry !== train && entry !== test) outside(walk, entry, 'outside the train/ and test/ folders');
  const classNames = await readClassFolders(walk, await entries(walk, train.path, train.rel), `${train.rel}/`, test ? 'train' : 'pool');
  for (const entry of test ? await entries(walk, test.path, test.rel) : []) {
    const label = entry.kind === 'dir' ? classNames.indexOf(entry.name) : -1;
    if (label >= 0) await readClass(walk, entry, label, 'test');
    else outside(walk, entry, entry.kind === 'dir' ? `not a class of ${train.rel}/ (no folder of that name there)` : 'not in a class folder');
  }
  return classNames;
}

/** Records an entry that is not read as part of the data set. */
function outside(walk: Walk, entry: Entry, reason: string): void {
  walk.listing.push([entry.rel, entry.size, entry.mtimeMs]);
  walk.skipped.push({ file: entry.kind === 'dir' ? `${entry.rel}/` : entry.rel, reason: entry.kind === 'missing' ? BROKEN_LINK : reason });
}
const BROKEN_LINK = 'a symbolic link that leads nowhere';

/** Every file under a class folder, at any depth. */
async function readClass(walk: Walk, folder: Entry, label: number, split: ImageFile['split'], depth = 0): Promise<void> {
  walk.listing.push([`${folder.rel}/`, -1, -1]);
  const before = walk.seen.get(folder.id);
  if (before !== undefined) {
    if (before.split !== null && (before.label !== label || before.split !== split)) {
      const twice = before.split === split ? 'two classes' : `both ${before.split} and ${split}`;
      throw new DatasetError(walk.root, `${before.rel}/ and ${folder.rel}/ are the same folder (through a symbolic link): its images would be in ${twice}`);
    }
    walk.skipped.push({ file: `${folder.rel}/`, reason: `the same folder as ${before.rel ? `${before.rel}/` : 'the top folder'}, through a symbolic link; read once` });
    return;
  }
  walk.seen.set(folder.id, { rel: folder.rel, label, split });
  if (depth > MAX_DEPTH) {
    walk.skipped.push({ file: `${folder.rel}/`, reason: `nested more than ${MAX_DEPTH} folders deep` });
    return;
  }
  for (const entry of await entries(walk, folder.path, folder.rel)) {
    if (entry.kind === 'dir') {
      await readClass(walk, entry, label, split, depth + 1);
      continue;
    }
    walk.listing.push([entry.rel, entry.size, entry.mtimeMs]);
    if (entry.kind === 'missing') walk.skipped.push({ file: entry.rel, reason: brokenOrUnreadable(entry.path) });
    else if (entry.kind === 'other') walk.skipped.push({ file: entry.rel, reason: 'not a regular file' });
    else if (!IMAGE_NAME.test(entry.name)) {
      walk.skipped.push({ file: entry.rel, reason: NOT_IMAGE_NAME });
      if (++walk.others >= NOT_IMAGES_LIMIT && walk.others > 10 * walk.files.length) {
        const seen = (walk.others + walk.files.length).toLocaleString('en-US');
        throw new DatasetError(walk.root, `not a folder of images: of the first ${seen} files in its subfolders, ${walk.files.length} are named as images`);
      }
    } else {
      if (walk.files.length >= MAX_FILES) {
        throw new DatasetError(walk.root, `more than ${MAX_FILES.toLocaleString('en-US')} files; this app keeps a data set in memory, and that many images do not fit`);
      }
      walk.files.push({ rel: entry.rel, path: entry.path, size: entry.size, mtimeMs: entry.mtimeMs, label, split });
    }
  }
}

/** Why `stat` failed on something `readdir` listed. */
function brokenOrUnreadable(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? BROKEN_LINK : 'cannot be read';
  } catch {
    return 'cannot be read';
  }
}
