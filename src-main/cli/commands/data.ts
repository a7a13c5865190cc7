/** `weightlapse data inspect | add | list | remove | fetch`: data sets from disk, on the same core as the app. */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  imageOptionsSchema,
  type DatasetDescription,
  type DatasetInfo,
  type DatasetProgress,
  type ImageOptions,
} from '../../../src-preload/api.ts';
import { fetchDataset, SOURCE_IDS, type DownloadProgress, type SourceId } from '../../datasets/fetch.ts';
import { preparedDir } from '../../datasets/images/prepare.ts';
import { inspectDataset, loadTestSplit } from '../../datasets/index.ts';
import { addDatasetFromDisk, ensureBundledDatasets, forgetDataset, listDatasetInfos, requireDataset } from '../../core/dataset-registry.ts';
import { pickSamples } from '../../datasets/samples.ts';
import { userDataDir } from '../../core/paths.ts';
import { sampleMosaic } from '../../shared/render/samples.ts';
import { databaseFile, globalOptions, output, parseId, parseName, UsageError, UserError, withDb } from '../common.ts';
import { plural, safe, say, tell } from '../terminal.ts';

/** Images per class in the `--samples` picture, as on the data sets page. */
const SAMPLES_PER_CLASS = 10;

interface ImageFlags {
  shape?: string;
  fit?: string;
  holdout?: string;
  seed?: string;
}

/** The options that say how a folder of images is prepared (given for another format, they are an error). */
function withImageFlags(cmd: Command): Command {
  return cmd
    .option('--shape <shape>', 'folder of images: auto (28x28x1 if every image is grey, else 32x32x3), 28x28x1 or 32x32x3')
    .option('--fit <fit>', 'folder of images: crop (the centred square; the default) or squash (the whole image)')
    .option('--holdout <share>', 'folder of images without a test/ folder: the share of each class held out for testing, e.g. 0.2 or 1/6 (the default)')
    .option('--seed <n>', 'folder of images: which files the hold-out takes (default 1)');
}

/** The image options given on the command line, checked by the contract's schema; undefined when none was. */
export function parseImageFlags(flags: ImageFlags): ImageOptions | undefined {
  const given = { shape: flags.shape, fit: flags.fit, holdout: flags.holdout, seed: flags.seed };
  if (Object.values(given).every((v) => v === undefined)) return undefined;
  const number = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const ratio = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    const n = ratio ? Number(ratio[1]) / Number(ratio[2]) : Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag}: expected a number, got "${value}"`);
    return n;
  };
  const parsed = imageOptionsSchema.safeParse({ ...given, holdout: number('holdout', given.holdout), seed: number('seed', given.seed) });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UsageError(`--${String(issue.path[0])}: ${issue.message}`);
}

export function registerData(data: Command): void {

  withImageFlags(
    data
      .command('inspect')
      .description('Read and check a data set and describe it; adds nothing (a folder of images is prepared beside the database, so adding it later is instant)')
      .argument('<path>', 'an IDX folder (MNIST, Fashion-MNIST, KMNIST), a CIFAR-10 binary folder or cifar-10-binary.tar.gz, or a folder of images with one subfolder per class')
      .option('--samples <file.png>', `write ${SAMPLES_PER_CLASS} test images of each class, as the network sees them, to a PNG`),
  ).action(async (path: string, opts: ImageFlags & { samples?: string }, cmd: Command) => {
    const images = parseImageFlags(opts);
    const description = await withProgress(cmd, (onProgress) =>
      inspectDataset(path, { images, preparedDir: preparedDir(databaseFile(cmd, { mustExist: false })), onProgress }),
    );
    if (opts.samples) await writeSamples(description.path, opts.samples);
    output(cmd, description, () => printDescription(description));
  });

  withImageFlags(
    data
      .command('add')
      .description('Check a data set and remember it, so runs can use it')
      .argument('<path>', 'folder or .tar.gz')
      .option('--name <name>', 'the name to list it under'),
  ).action(async (path: string, opts: ImageFlags & { name?: string }, cmd: Command) => {
    const images = parseImageFlags(opts);
    const name = parseName('--name', opts.name);
    const info = await withDb(cmd, (db) => withProgress(cmd, (onProgress) => addDatasetFromDisk(db, path, { name, images, onProgress })));
    output(cmd, info, () => {
      say(`added #${info.id} ${info.name}: ${summary(info)}`);
      const left = info.images?.skippedCount;
      if (left) say(`${plural(left, 'file')} left out; \`weightlapse data inspect ${JSON.stringify(info.images!.folder)}\` lists them`);
    });
  });

  data
    .command('list')
    .description('List the data sets added (the bundled samples included)')
    .action(async (_opts: unknown, cmd: Command) => {
      const infos = await withDb(cmd, async (db) => {
        // As at every start of the app; without the sample the list is still worth showing.
        await ensureBundledDatasets(db).catch((err: Error) => {
          tell(`weightlapse: the bundled sample data sets could not be registered: ${err.message}`);
        });
        return listDatasetInfos(db);
      }, { readOnly: true });
      output(cmd, infos, () => infos.forEach(printInfo));
    });

  data
    .command('remove')
    .description("Forget a data set (its files and the runs trained on it stay; a folder of images' prepared tensor file goes)")
    .argument('<id>', 'data set id, as `data list` shows it', (value: string) => parseId('data set id', value))
    .action(async (id: number, _opts: unknown, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const stored = requireDataset(db, id);
        if (stored.bundled) throw new UserError('the bundled sample data set cannot be removed');
        await forgetDataset(db, id);
      }, { readOnly: true });
      output(cmd, { removed: id }, () => say(`removed data set #${id}`));
    });

  data
    .command('fetch')
    .description(`Download a standard data set (${SOURCE_IDS.join(', ')}), resuming and checking it`)
    .argument('<name>', SOURCE_IDS.join(' | '), parseSource)
    .option('--to <dir>', 'where to put it (default: the per-user data directory)')
    .option('--base-url <url>', 'download from this address instead of the canonical source')
    .action(async (id: SourceId, opts: { to?: string; baseUrl?: string }, cmd: Command) => {
      const to = opts.to ?? join(userDataDir(), 'datasets', id);
      const json = globalOptions(cmd).json === true;
      const progress = json ? undefined : progressReporter();
      try {
        await fetchDataset(id, { to, baseUrl: opts.baseUrl, onProgress: progress?.update });
      } finally {
        progress?.stop();
      }
      const description = await inspectDataset(to);
      output(cmd, description, () => {
        printDescription(description);
        say(`\nadd it with: weightlapse data add ${JSON.stringify(description.path)}`);
      });
    });
}

function parseSource(value: string): SourceId {
  if (!(SOURCE_IDS as string[]).includes(value)) {
    throw new UsageError(`unknown data set ${JSON.stringify(value)}: fetch knows ${SOURCE_IDS.join(', ')}`);
  }
  return value as SourceId;
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

/** A bar on a terminal; elsewhere (logs, pipes) a plain line at each quarter. */
function progressReporter(): { update: (p: DownloadProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: '{file} [{bar}] {percentage}% {done}/{size} MB', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let current = '';
    return {
      update(p) {
        const payload = { file: p.file, done: mb(p.received), size: p.total === null ? '?' : mb(p.total) };
        if (p.file !== current) {
          if (current) bar.stop();
          current = p.file;
          bar.start(p.total ?? 0, p.received, payload);
        } else bar.update(p.received, payload);
      },
      stop: () => bar.stop(),
    };
  }
  let last = '';
  return {
    update(p) {
      const quarter = p.total ? Math.floor((4 * p.received) / p.total) * 25 : null;
      const line =
        p.received === p.resumedFrom
          ? `${p.file}: ${p.resumedFrom > 0 ? `resuming at ${mb(p.resumedFrom)} MB` : 'starting'}`
          : `${p.file}: ${quarter === null ? `${mb(p.received)} MB` : `${quarter}%`}`;
      if (line !== last) tell(line);
      last = line;
    },
    stop: () => {},
  };
}

/** Preparing a folder of images, on stderr: a bar on a terminal, a line at each quarter elsewhere; nothing with --json. */
async function withProgress<T>(cmd: Command, work: (onProgress: (p: DatasetProgress) => void) => Promise<T>): Promise<T> {
  if (globalOptions(cmd).json) return work(() => {});
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = '';
  const onProgress = (p: DatasetProgress) => {
    if (p.phase !== 'decoding') return;
    if (process.stderr.isTTY) {
      bar ??= new cliProgress.SingleBar({ format: 'decoding and resizing [{bar}] {value}/{total} images · {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic);
      if (bar.getTotal() !== p.total) bar.start(p.total, p.done);
      else bar.update(p.done);
      return;
    }
    const line = `decoding and resizing: ${Math.floor((4 * p.done) / p.total) * 25}% of ${p.total} images`;
    if (line !== lastLine) tell(line);
    lastLine = line;
  };
  try {
    return await work(onProgress);
  } finally {
    bar?.stop();
  }
}

/** The first test images of each class, as the network sees them, as a PNG. */
async function writeSamples(path: string, file: string): Promise<void> {
  const { shape, classes, test } = await loadTestSplit(path);
  const mosaic = sampleMosaic({ shape, classes, ...pickSamples(test, shape, classes.length, SAMPLES_PER_CLASS) }, SAMPLES_PER_CLASS);
  const png = new PNG({ width: mosaic.width, height: mosaic.height });
  png.data = Buffer.from(mosaic.rgba.buffer);
  await writeFile(file, PNG.sync.write(png));
}

function summary(d: DatasetDescription): string {
  return `${d.format}, ${d.shape.join('×')}, ${plural(d.classes.length, 'class', 'classes')}, train ${d.train.count}, test ${d.test.count}`;
}

/** Where a data set comes from, as a person knows it: the folder of images, not its prepared file. */
const source = (d: DatasetDescription) => d.images?.folder ?? d.path;

function printDescription(d: DatasetDescription): void {
  say(`${d.name} (${d.format}) at ${source(d)}`);
  say(`shape ${d.shape.join('×')} (H×W×C), ${plural(d.classes.length, 'class', 'classes')}, train ${d.train.count}, test ${d.test.count}`);
  if (d.images) printPreparation(d);
  // Escaped before measuring, so that the columns line up as printed.
  const classes = d.classes.map(safe);
  const width = Math.max(5, ...classes.map((c) => c.length));
  say(`  ${'class'.padEnd(width)}  ${'train'.padStart(7)}  ${'test'.padStart(7)}`);
  classes.forEach((name, i) => {
    say(`  ${name.padEnd(width)}  ${String(d.train.perClass[i]).padStart(7)}  ${String(d.test.perClass[i]).padStart(7)}`);
  });
  if (d.images) printImbalanceAndSkipped(d);
}

function printPreparation(d: DatasetDescription): void {
  const { split, options, resize, decoder } = d.images!;
  const shape = options.shape === 'auto' ? 'shape auto (grey if every image is grey)' : `shape ${options.shape} as asked`;
  const held = split === 'folders' ? 'test split from its test folder' : `${(100 * options.holdout).toFixed(1)}% of each class held out for testing (seed ${options.seed})`;
  say(`${shape}; ${options.fit === 'crop' ? 'centre crop' : 'squashed'}; ${held}`);
  say(`resized by ${resize}`);
  say(`decoded by ${decoder}`);
  say(`prepared into ${d.path}`);
}

function printImbalanceAndSkipped(d: DatasetDescription): void {
  const counts = d.train.perClass;
  const most = Math.max(...counts);
  const least = Math.min(...counts);
  const name = (n: number) => d.classes[counts.indexOf(n)];
  if (most > least) say(`imbalance: ${name(most)} has ${most} training images, ${name(least)} ${least} (${(most / Math.max(least, 1)).toFixed(1)}×)`);
  const { skipped, skippedCount } = d.images!;
  if (skippedCount === 0) return say('no file left out');
  say(`${plural(skippedCount, 'file')} left out:`);
  for (const s of skipped) say(`  ${s.file}: ${s.reason}`);
  if (skippedCount > skipped.length) say(`  … and ${skippedCount - skipped.length} more`);
}

function printInfo(info: DatasetInfo): void {
  const state = info.available ? '' : `  UNAVAILABLE: ${info.problem}`;
  say(`#${info.id}  ${info.name}${info.bundled ? ' (bundled)' : ''}  ${summary(info)}  ${source(info)}${state}`);
}
