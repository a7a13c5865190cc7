/**
 * `weightlapse train`: registers the data set if it is new, trains in a trainer process through the
 * same service as the app's `runs.start`, and shows progress on stderr (a bar on a terminal, a line
 * per epoch otherwise). Ctrl-C stops the run cleanly (status `stopped`, resumable) and exits 130, as a
 * shell expects of a command it interrupted; with `--json` the
 * last stdout line is `{"id","epochs","testAccuracy","imagesPerSecond","backend"}`.
 *
 * `--experiment freeze-conv` is the study's experiment: the same seed and settings twice, the second run
 * with conv1 and conv2 frozen, then a table of both test accuracies, the gap, and how far each layer moved.
 *
 * `--seeds N` (seeds --seed … --seed + N − 1) or `--seeds 1,2,3` makes a group: the run, or the freeze
 * experiment, once per seed, the members trained side by side (core/training/parallel.ts), then each arm's
 * mean ± 95 % t interval and, for the experiment, the gap with its interval and paired t-test.
 * `--resume-group ID` carries on every unfinished member of a group.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { BACKEND_CHOICES, DEFAULT_GROUP_SEEDS, groupSeedsSchema, LAYERS, runConfigSchema, seedRange, type EventName, type GroupSummary, type Events, type RunConfig, type RunDetail, type RunSummary } from '../../../src-preload/api.ts';
import { findOrAddDataset } from '../../core/dataset-registry.ts';
import type { Db } from '../../core/store/db.ts';
import { getRun, markInterruptedRuns } from '../../core/store/runs.ts';
import type { FromTrainer } from '../../trainer/protocol.ts';
import { resumeRun, startFreezeExperiment, startRun, type TrainingContext } from '../../core/training/service.ts';
import { groupSummary, resumeGroup, startGroup } from '../../core/training/groups.ts';
import { groupRunIds } from '../../core/store/groups.ts';
import { printGroup } from '../group-table.ts';
import { Trainers } from '../../core/training/trainers.ts';
import { globalOptions, output, parseId, parseName, UsageError, UserError, withDb } from '../common.ts';
import { plural, say, tell } from '../terminal.ts';

interface TrainOptions {
  data?: string;
  resume?: string;
  resumeGroup?: string;
  seeds?: string;
  experiment?: string;
  epochs?: string;
  batch?: string;
  optimizer?: string;
  lr?: string;
  momentum?: string;
  seed?: string;
  freeze?: string;
  trainLimit?: string;
  testLimit?: string;
  snapshotsPerEpoch?: string;
  labelNoise?: string;
  name?: string;
  backend?: string;
}

/** Option → config field, so a bad value is reported under the option the person typed. */
const OPTIONS: [keyof TrainOptions, keyof RunConfig, 'int' | 'number' | 'text' | 'list'][] = [
  ['epochs', 'epochs', 'int'],
  ['batch', 'batchSize', 'int'],
  ['optimizer', 'optimizer', 'text'],
  ['lr', 'learningRate', 'number'],
  ['momentum', 'momentum', 'number'],
  ['seed', 'seed', 'int'],
  ['freeze', 'freeze', 'list'],
  ['trainLimit', 'trainLimit', 'int'],
  ['testLimit', 'testLimit', 'int'],
  ['snapshotsPerEpoch', 'snapshotsPerEpoch', 'int'],
  ['backend', 'backend', 'text'],
  ['labelNoise', 'labelNoise', 'number'],
];
const flag = (option: string) => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export function parseTrainConfig(opts: TrainOptions): RunConfig {
  const raw: Record<string, unknown> = {};
  for (const [option, field, kind] of OPTIONS) {
    const value = opts[option];
    if (value === undefined) continue;
    if (kind === 'list') raw[field] = value.split(',').map((s) => s.trim()).filter(Boolean);
    else if (kind === 'text') raw[field] = value;
    else {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
        throw new UsageError(`${flag(option)}: expected ${kind === 'int' ? 'a whole number' : 'a number'}, got "${value}"`);
      }
      raw[field] = n;
    }
  }
  const parsed = runConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const option = OPTIONS.find(([, field]) => field === issue.path[0])?.[0];
  throw new UsageError(`${option ? flag(option) : 'options'}: ${issue.message}`);
}

/** The data set stored for `path`, added first if it is new. */
async function datasetFor(db: Db, path: string): Promise<number> {
  return (await findOrAddDataset(db, path)).id;
}

/** 75 → "1m 15s", for the time left in the whole run (cli-progress's own ETA sees one epoch only). */
const duration = (seconds: number) => {
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${s}s`;
};
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`);

/** Progress on stderr: a bar on a terminal, a line per epoch otherwise (logs, CI, pipes). */
function progressView(json: boolean, oneRun: boolean) {
  // Members training side by side would share one bar: a group gets a line per tested epoch instead.
  const tty = process.stderr.isTTY && !json && oneRun;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: 'epoch {epoch}/{epochs} [{bar}] {value}/{total} batches · loss {loss} · acc {acc} · {rate} img/s · {left} left',
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  let epoch = 0;
  return {
    progress(p: Events['run.progress']) {
      if (!bar) return;
      const payload = {
        epoch: p.epoch,
        epochs: p.epochs,
        loss: p.loss.toFixed(4),
        acc: pct(p.accuracy),
        rate: Math.round(p.imagesPerSecond),
        left: duration(p.etaSeconds),
      };
      if (!started || p.epoch !== epoch) {
        if (started) bar.stop();
        bar.start(p.batches, p.batch, payload);
        started = true;
        epoch = p.epoch;
      } else bar.update(p.batch, payload);
    },
    line(text: string) {
      if (bar && started) {
        bar.stop();
        started = false;
      }
      tell(text);
    },
    stop() {
      if (bar && started) bar.stop();
    },
  };
}
type ProgressView = ReturnType<typeof progressView>;

/** What `--json` prints for one run. */
function runResult(run: RunDetail) {
  return {
    id: run.id,
    epochs: run.epochsDone,
    testAccuracy: run.snapshots.at(-1)?.metrics.testAccuracy ?? null,
    imagesPerSecond: run.imagesPerSecond,
    backend: run.backend,
  };
}

/** The freeze experiment's table: both accuracies, the gap, and each layer's change since init. */
function experimentResult(trained: RunDetail, frozen: RunDetail) {
  const [a, b] = [runResult(trained), runResult(frozen)];
  const changeSinceInit = Object.fromEntries(
    LAYERS.map((layer) => [
      layer,
      {
        trained: trained.snapshots.at(-1)?.layers[layer]?.relChangeInit ?? null,
        frozen: frozen.snapshots.at(-1)?.layers[layer]?.relChangeInit ?? null,
      },
    ]),
  );
  const gap = a.testAccuracy !== null && b.testAccuracy !== null ? a.testAccuracy - b.testAccuracy : null;
  return { experiment: 'freeze-conv', trained: a, frozen: b, gap, changeSinceInit };
}

function printExperiment(result: ReturnType<typeof experimentResult>): void {
  const rows = [
    ['', `trained #${result.trained.id}`, `conv frozen #${result.frozen.id}`],
    ['test accuracy', pct(result.trained.testAccuracy), pct(result.frozen.testAccuracy)],
    ...LAYERS.map((layer) => [
      `${layer} change since init`,
      pct(result.changeSinceInit[layer]!.trained),
      pct(result.changeSinceInit[layer]!.frozen),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) say(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  say(`gap (trained − frozen): ${result.gap === null ? '–' : `${(100 * result.gap).toFixed(2)} points`}`);
}

/** What the options ask for: carry on a run or a group, or start one (or the freeze experiment's two), or a group of them, on a data set. */
type Plan = { resume: number } | { resumeGroup: number } | { data: string; name?: string; experiment: boolean; seeds?: number[]; config: RunConfig };

/** `--seeds 5` (five seeds from --seed on) or `--seeds 1,2,3`. */
function parseSeeds(value: string, first: number): number[] {
  const seeds = /^\s*\d+\s*$/.test(value) ? seedRange(Number(value), first) : value.split(',').map((s) => (/^\s*\d+\s*$/.test(s) ? Number(s) : NaN));
  if (seeds.some(Number.isNaN)) throw new UsageError(`--seeds: expected a count or a comma-separated list of whole numbers, got "${value}"`);
  const parsed = groupSeedsSchema.safeParse(seeds);
  if (!parsed.success) throw new UsageError(`--seeds: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

/** Checks how the options go together (each value is checked by parseTrainConfig) and says what to do. */
function planFrom(opts: TrainOptions): Plan {
  if (opts.resumeGroup !== undefined) {
    const given = Object.entries(opts).filter(([k, v]) => k !== 'resumeGroup' && v !== undefined).map(([k]) => flag(k));
    if (given.length > 0) throw new UsageError(`--resume-group carries on with the group's own settings; drop ${given.join(' ')}`);
    return { resumeGroup: parseId('--resume-group', opts.resumeGroup) };
  }
  if ((opts.data === undefined) === (opts.resume === undefined)) throw new UsageError('give either --data PATH or --resume ID');
  if (opts.seeds !== undefined && opts.resume !== undefined) throw new UsageError('--seeds starts a new group; to carry one on, use --resume-group ID');
  const resume = opts.resume === undefined ? undefined : resumeIdFrom(opts);
  if (opts.experiment !== undefined) {
    if (opts.experiment !== 'freeze-conv') throw new UsageError(`--experiment: expected freeze-conv, got "${opts.experiment}"`);
    if (opts.data === undefined) throw new UsageError('--experiment needs --data PATH');
    if (opts.freeze !== undefined) throw new UsageError('--experiment freeze-conv chooses what is frozen itself; drop --freeze');
  }
  const config = parseTrainConfig(opts);
  const name = parseName('--name', opts.name);
  if (resume !== undefined) return { resume };
  const seeds = opts.seeds === undefined ? undefined : parseSeeds(opts.seeds, config.seed);
  return { data: opts.data!, name, experiment: opts.experiment !== undefined, seeds, config };
}

/** `--resume ID`, alone: a resumed run keeps its own settings. */
function resumeIdFrom(opts: TrainOptions): number {
  const id = parseId('--resume', opts.resume!);
  const given = OPTIONS.map(([option]) => option).filter((option) => opts[option] !== undefined);
  if (given.length > 0 || opts.name !== undefined) {
    throw new UsageError(`--resume carries on with the run's own settings; drop ${given.map(flag).join(' ') || '--name'}`);
  }
  return id;
}

/** Trains what the plan asks for with this process's own trainers, showing progress; returns the runs as they ended, and the signal that stopped them, if one did. */
async function train(db: Db, plan: Plan, view: ProgressView): Promise<{ runs: RunDetail[]; group?: GroupSummary; signal: Signal | undefined }> {
  markInterruptedRuns(db);
  const emit = <E extends EventName>(event: E, payload: Events[E]) => {
    if (event === 'run.progress') view.progress(payload as Events['run.progress']);
  };
  const trainers = new Trainers({ db, emit });
  let finished: Extract<FromTrainer, { type: 'finished' }> | undefined;
  trainers.onMessage((runId, message) => {
    if (message.type === 'finished') finished = message;
    else showMessage(view, runId, message);
  });
  const { runs, groupId } = await startRuns({ db, emit, trainers }, plan);
  if (groupId !== undefined) view.line(`group #${groupId}: members train ${groupSummary({ db }, groupId).plan ?? '–'}`);
  for (const run of runs) {
    view.line(`run #${run.id} "${run.name}": ${run.epochsDone ? `from epoch ${run.epochsDone} to epoch ${run.epochs}` : plural(run.epochs, 'epoch')}`);
  }
  const signal = await untilFinished(trainers, runs, view);
  if (finished) {
    const share = finished.snapshotSeconds / (finished.trainSeconds + finished.evalSeconds + finished.snapshotSeconds);
    view.line(`snapshots took ${(100 * share).toFixed(2)}% of the time (${finished.snapshotSeconds.toFixed(2)} s)`);
  }
  const group = groupId === undefined ? undefined : groupSummary({ db }, groupId);
  return { runs: runs.map((run) => getRun(db, run.id)!), group, signal };
}

async function startRuns(ctx: TrainingContext, plan: Plan): Promise<{ runs: RunSummary[]; groupId?: number }> {
  if ('resume' in plan) return { runs: [await resumeRun(ctx, plan.resume)] };
  if ('resumeGroup' in plan) return groupRuns(ctx, (await resumeGroup(ctx, plan.resumeGroup)).id, true);
  const datasetId = await datasetFor(ctx.db, plan.data);
  if (plan.seeds) {
    const kind = plan.experiment ? 'freeze' : 'plain';
    return groupRuns(ctx, (await startGroup(ctx, { datasetId, name: plan.name, kind, seeds: plan.seeds, config: plan.config })).id, false);
  }
  if (plan.experiment) return { runs: Object.values(await startFreezeExperiment(ctx, { datasetId, config: plan.config })) };
  return { runs: [await startRun(ctx, { datasetId, name: plan.name, config: plan.config })] };
}

/** A group's members this process trains (all of them when it starts; the unfinished ones when it resumes). */
function groupRuns(ctx: TrainingContext, groupId: number, resumed: boolean): { runs: RunSummary[]; groupId: number } {
  const runs = groupRunIds(ctx.db, groupId).filter((id) => !resumed || ctx.trainers.owns(id)).map((id) => getRun(ctx.db, id)!);
  return { runs, groupId };
}

/** The trainer's news worth a line: its backend, each tested epoch, a failure. */
function showMessage(view: ProgressView, runId: number, message: FromTrainer): void {
  if (message.type === 'started') {
    view.line(`backend: ${message.backend.name} (${message.backend.summary})`);
    view.line(`  ${message.backend.detail}`);
    if (message.backend.warning) view.line(`warning: ${message.backend.warning}`);
  } else if (message.type === 'snapshot' && message.snapshot.metrics.testAccuracy !== null) {
    view.line(`run #${runId} epoch ${message.snapshot.epoch}: test accuracy ${pct(message.snapshot.metrics.testAccuracy)}`);
  } else if (message.type === 'failed') view.line(`training failed: ${message.message}`);
}

type Signal = 'SIGINT' | 'SIGHUP';
/** A shell's exit code for a command a signal ended: 128 + the signal's number. */
const SIGNAL_EXIT: Record<Signal, number> = { SIGINT: 130, SIGHUP: 129 };

/** Waits until the runs have ended. Ctrl-C, or a closed terminal, stops them after their current batch: returns that signal. */
async function untilFinished(trainers: Trainers, runs: RunSummary[], view: ProgressView): Promise<Signal | undefined> {
  let signal: Signal | undefined;
  const onSigint = () => {
    signal = 'SIGINT';
    view.line('stopping after the current batch (Ctrl-C)…');
    void trainers.stopAll();
  };
  // A closed terminal stops the runs the same way, so that this process stores how they ended.
  const onSighup = () => {
    signal = 'SIGHUP';
    void trainers.stopAll();
  };
  process.on('SIGINT', onSigint).on('SIGHUP', onSighup);
  try {
    for (const run of runs) await trainers.finished(run.id);
    return signal;
  } finally {
    process.off('SIGINT', onSigint).off('SIGHUP', onSighup);
    view.stop();
    await trainers.stopAll();
  }
}

/** Prints the outcome (the run's line, the experiment's table, or the group's), then fails if a run did not finish. */
function report(cmd: Command, runs: RunDetail[], experiment: boolean, group: GroupSummary | undefined): void {
  if (group) output(cmd, group, () => printGroup(group));
  else if (experiment) {
    const table = experimentResult(runs[0]!, runs[1]!);
    output(cmd, table, () => printExperiment(table));
  } else {
    const run = runs[0]!;
    const summary = runResult(run);
    output(cmd, summary, () => {
      say(
        `run #${run.id} ${run.status}: ${run.epochsDone} of ${plural(run.config.epochs, 'epoch')}, ` +
          `test accuracy ${pct(summary.testAccuracy)}, ${Math.round(run.imagesPerSecond ?? 0)} img/s on ${run.backend ?? '?'}`,
      );
    });
  }
  for (const run of runs) {
    if (run.status === 'failed') throw new UserError(`run #${run.id} failed: ${run.error}`);
    if (run.status === 'interrupted') throw new UserError(`run #${run.id} was interrupted: ${run.error}`);
  }
}

export function registerTrain(verb: Command): void {
  verb
    .option('--data <path>', 'data set folder or .tar.gz (added to the database if new)')
    .option('--resume <id>', 'carry on an interrupted or stopped run from its last snapshot (instead of --data)')
    .option('--seeds <n|list>', `a group: the run (or --experiment) once per seed, N seeds from --seed on (${DEFAULT_GROUP_SEEDS} is usual) or a list such as 1,2,3; members train side by side`)
    .option('--resume-group <id>', "carry on every unfinished member of a group, each from its last snapshot")
    .option('--experiment <kind>', "freeze-conv: the study's experiment, two runs with the same seed, the second with conv1+conv2 frozen")
    .option('--epochs <n>', 'epochs to train (default 29, as in the study)')
    .option('--batch <n>', 'batch size (default 64)')
    .option('--optimizer <name>', 'sgd (with momentum) or adam (default sgd)')
    .option('--lr <x>', 'learning rate (default 0.01)')
    .option('--momentum <x>', 'SGD momentum (default 0.9)')
    .option('--seed <n>', 'fixes the initial weights and the shuffling (default 1)')
    .option('--freeze <layers>', `layers that do not learn, comma-separated: ${LAYERS.join(',')}`)
    .option('--train-limit <n>', 'use only the first N training images')
    .option('--test-limit <n>', 'use only the first N test images')
    .option('--snapshots-per-epoch <n>', 'snapshots inside the first epoch (default 1: only at its end)')
    .option('--label-noise <share>', 'flip this share of the training labels (0 to 0.9; seeded by --seed; the files are not touched): the noisy-labels experiment')
    .option('--name <name>', 'the name to list the run under')
    .option('--backend <name>', `${BACKEND_CHOICES.join(', ')} (default auto: measures which trains fastest here, keeps the CPU path unless a GPU is 1.3× faster)`)
    .action(async (opts: TrainOptions, cmd: Command) => {
      const plan = planFrom(opts);
      const oneRun = !('resumeGroup' in plan) && ('resume' in plan || plan.seeds === undefined);
      const view = progressView(globalOptions(cmd).json === true, oneRun);
      const { runs, group, signal } = await withDb(cmd, (db) => train(db, plan, view));
      report(cmd, runs, 'data' in plan && plan.experiment, group);
      if (signal) process.exitCode = SIGNAL_EXIT[signal];
    });
}
