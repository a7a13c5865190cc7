/** `weightlapse data inspect | add | list | remove | fetch`: data sets from disk, on the same core as the app. */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { join } from 'node:path';
import type { DatasetDescription, DatasetInfo } from '../../../src-preload/api.ts';
import { fetchDataset, SOURCE_IDS, type DownloadProgress, type SourceId } from '../../core/datasets/fetch.ts';
import { inspectDataset } from '../../core/datasets/index.ts';
import { addDatasetFromDisk, ensureBundledDataset, listDatasetInfos, requireDataset } from '../../core/datasets/registry.ts';
import { userDataDir } from '../../core/paths.ts';
import { removeDataset } from '../../core/store/datasets.ts';
import { globalOptions, output, UserError, withDb } from '../common.ts';

export function registerData(program: Command): void {
  const data = program.command('data').description('Read, check and fetch data sets');

  data
    .command('inspect')
    .description('Read and check a data set (folder or .tar.gz) and describe it; stores nothing')
    .argument('<path>', 'an IDX folder (MNIST, Fashion-MNIST, KMNIST), a CIFAR-10 binary folder, or cifar-10-binary.tar.gz')
    .action(async (path: string, _opts: unknown, cmd: Command) => {
      const description = await inspectDataset(path);
      output(cmd, description, () => printDescription(description));
    });

  data
    .command('add')
    .description('Check a data set and remember it, so runs can use it')
    .argument('<path>', 'folder or .tar.gz')
    .option('--name <name>', 'the name to list it under')
    .action(async (path: string, opts: { name?: string }, cmd: Command) => {
      const info = await withDb(cmd, (db) => addDatasetFromDisk(db, path, { name: opts.name }));
      output(cmd, info, () => console.log(`added #${info.id} ${info.name}: ${summary(info)}`));
    });

  data
    .command('list')
    .description('List the data sets added (the bundled sample included)')
    .action(async (_opts: unknown, cmd: Command) => {
      const infos = await withDb(cmd, async (db) => {
        // As at every start of the app; without the sample the list is still worth showing.
        await ensureBundledDataset(db).catch((err: Error) => {
          process.stderr.write(`weightlapse: the bundled sample data set could not be registered: ${err.message}\n`);
        });
        return listDatasetInfos(db);
      });
      output(cmd, infos, () => infos.forEach(printInfo));
    });

  data
    .command('remove')
    .description('Forget a data set (its files and the runs trained on it stay)')
    .argument('<id>', 'data set id, as `data list` shows it', parseId)
    .action(async (id: number, _opts: unknown, cmd: Command) => {
      await withDb(cmd, (db) => {
        const stored = requireDataset(db, id);
        if (stored.bundled) throw new UserError('the bundled sample data set cannot be removed');
        removeDataset(db, id);
      });
      output(cmd, { removed: id }, () => console.log(`removed data set #${id}`));
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
        console.log(`\nadd it with: weightlapse data add ${JSON.stringify(description.path)}`);
      });
    });
}

function parseId(value: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) throw new UserError(`not a data set id: ${JSON.stringify(value)}`);
  return id;
}

function parseSource(value: string): SourceId {
  if (!(SOURCE_IDS as string[]).includes(value)) {
    throw new UserError(`unknown data set ${JSON.stringify(value)}: fetch knows ${SOURCE_IDS.join(', ')}`);
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
      if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
    },
    stop: () => {},
  };
}

function summary(d: DatasetDescription): string {
  return `${d.format}, ${d.shape.join('×')}, ${d.classes.length} classes, train ${d.train.count}, test ${d.test.count}`;
}

function printDescription(d: DatasetDescription): void {
  console.log(`${d.name} (${d.format}) at ${d.path}`);
  console.log(`shape ${d.shape.join('×')} (H×W×C), ${d.classes.length} classes, train ${d.train.count}, test ${d.test.count}`);
  const width = Math.max(5, ...d.classes.map((c) => c.length));
  console.log(`  ${'class'.padEnd(width)}  ${'train'.padStart(7)}  ${'test'.padStart(7)}`);
  d.classes.forEach((name, i) => {
    console.log(`  ${name.padEnd(width)}  ${String(d.train.perClass[i]).padStart(7)}  ${String(d.test.perClass[i]).padStart(7)}`);
  });
}

function printInfo(info: DatasetInfo): void {
  const state = info.available ? '' : `  UNAVAILABLE: ${info.problem}`;
  console.log(`#${info.id}  ${info.name}${info.bundled ? ' (bundled)' : ''}  ${summary(info)}  ${info.path}${state}`);
}
