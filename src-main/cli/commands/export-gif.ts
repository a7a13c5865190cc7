import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { LAYERS, type LayerName } from '../../../src-preload/api.ts';
import { Activations } from '../../core/activations/service.ts';
import { forkTrainer } from '../../core/training/fork.ts';
import { forwardContext } from '../../core/work/inference.ts';
import { exportActivationGif } from '../../core/gif/export-activations.ts';
import { exportFeatureVisGif } from '../../core/gif/export-featurevis.ts';
import { exportRunGif } from '../../core/gif/export-run.ts';
import { DEFAULT_ZOOM, type AnimatedGif } from '../../shared/render/animation.ts';
import { COLORMAPS, THEMES, type ColormapName, type Theme } from '../../shared/render/palette.ts';
import { defaultLayout, layoutFor, layoutsFor, LAYOUT_KINDS, type LayoutKind } from '../../shared/render/layout.ts';
import { getRun } from '../../core/store/runs.ts';
import type { Db } from '../../core/store/db.ts';
import { asOptionError, output, parseId, UsageError, withDb } from '../common.ts';
import { cliAnalyses } from './analyze.ts';
import { parseSteps } from './export-analysis.ts';
import { outputFile, writeError } from '../output.ts';
import { plural, say } from '../terminal.ts';

interface ExportGifCliOptions {
  run: number[];
  view: 'weights' | 'activations' | 'featurevis';
  steps?: string;
  input?: number;
  layer?: LayerName;
  out: string;
  from?: number;
  to?: number;
  fps: number;
  hold: number;
  scale?: number;
  colormap: ColormapName;
  diff?: 'prev' | 'init';
  scaleMode: 'layer' | 'filter';
  layout?: LayoutKind;
  top: number;
  caption: boolean;
  legend: boolean;
  theme: Theme;
}

const oneOf =
  <T extends string>(flag: string, allowed: readonly T[]) =>
  (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new UsageError(`${flag}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    }
    return value as T;
  };

const number =
  (flag: string, min: number, max: number, integer = false) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new UsageError(`${flag}: ${JSON.stringify(value)} is not ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return n;
  };

/** `--run 3 --run 4` or `--run 3,4`: several runs side by side. */
const runIds = (value: string, previous: number[] = []): number[] => [
  ...previous,
  ...value.split(',').map((v) => parseId('--run', v.trim())),
];

export function registerExportGif(verb: Command): void {
  verb
    .requiredOption('--run <id>', 'run id; repeat (or comma-separate) to put runs side by side', runIds)
    .option(
      '--view <view>',
      "weights (a layer's filters), featurevis (what each of a layer's units responds to: its optimised input) or activations (one test image's maps and probabilities)",
      oneOf('--view', VIEWS),
      'weights',
    )
    .option('--layer <layer>', `with --view weights or featurevis (needed): ${LAYERS.join(', ')}`, oneOf('--layer', LAYERS))
    .option('--steps <n>', "with --view featurevis: the optimisation's steps (computed where not stored yet; default 256)")
    .option('--input <index>', 'with --view activations: the test image, by its index in the test set (default: the first pinned)', number('--input', 0, 1e7, true))
    .requiredOption('--out <file>', 'GIF file to write')
    .option('--from <epoch>', 'first epoch (default: the first stored)', number('--from', 0, 1e6))
    .option('--to <epoch>', 'last epoch (default: the last stored)', number('--to', 0, 1e6))
    .option('--fps <n>', 'frames per second', number('--fps', 1, 50), 4)
    .option('--hold <ms>', 'extra time on the last frame, in ms', number('--hold', 0, 60_000, true), 1000)
    .option('--scale <n>', `pixel scale (default: ${Object.entries(DEFAULT_ZOOM).map(([l, z]) => `${l} ${z}`).join(', ')}; activations 2)`, number('--scale', 1, 64, true))
    .option('--colormap <name>', `colour map: ${COLORMAPS.join(', ')}`, oneOf('--colormap', COLORMAPS), 'study')
    .option('--diff <ref>', 'show W_e − W_ref, ref: prev or init', oneOf('--diff', ['prev', 'init'] as const))
    .option('--scale-mode <mode>', 'colour scale per layer or per filter', oneOf('--scale-mode', ['layer', 'filter'] as const), 'layer')
    .option('--layout <kind>', `picture: ${LAYOUT_KINDS.join(', ')} (default: the layer's usual one)`, oneOf('--layout', LAYOUT_KINDS))
    .option('--top <k>', 'with --diff, outline the k filters that changed most', number('--top', 0, 1000, true), 0)
    .option('--no-caption', 'leave out the caption (layer, epoch, test accuracy)')
    .option('--no-legend', 'leave out the colour legend')
    .option('--theme <theme>', `background and labels: ${THEMES.join(' or ')}, as the app's themes`, oneOf('--theme', THEMES), 'dark')
    .action(async (opts: ExportGifCliOptions, cmd: Command) => {
      const out = outputFile('--out', opts.out);
      const result = await withDb(cmd, (db) => {
        if (opts.view === 'activations') return activationGif(db, opts, cmd);
        if (!opts.layer) throw new UsageError('--layer: say which layer to animate (or --view activations)');
        if (opts.view === 'featurevis') return featureVisGif(db, opts, cmd, opts.layer);
        if (opts.steps !== undefined) throw new UsageError('--steps: only with --view featurevis');
        if (opts.input !== undefined) throw new UsageError('--input: only with --view activations');
        checkBudget(db, opts, opts.layer);
        return exportRunGif(db, {
          runIds: opts.run,
          layer: opts.layer,
          from: opts.from,
          to: opts.to,
          fps: opts.fps,
          holdMs: opts.hold,
          zoom: opts.scale,
          colormap: opts.colormap,
          diff: opts.diff ?? 'none',
          scaleMode: opts.scaleMode,
          layout: opts.layout,
          outlineTop: opts.top,
          caption: opts.caption,
          legend: opts.legend,
          theme: opts.theme,
        });
      }, { readOnly: opts.view !== 'featurevis' }); // (featurevis stores the optimised inputs it computes)
      try {
        writeFileSync(out, result.bytes);
      } catch (err) {
        throw writeError('--out', err);
      }
      const summary = { out, frames: result.epochs.length, width: result.width, height: result.height, bytes: result.bytes.length, epochs: result.epochs };
      output(cmd, summary, () =>
        say(`${out}: ${plural(summary.frames, 'frame')}, ${summary.width}×${summary.height}, ${(summary.bytes / 1024).toFixed(0)} KiB`),
      );
    });
}

const VIEWS = ['weights', 'featurevis', 'activations'] as const;
/** Options that draw weights, and mean nothing for the activation view. */
const WEIGHTS_ONLY = ['layer', 'colormap', 'scaleMode', 'layout', 'top', 'caption', 'legend'] as const;
/** Options that draw weights, and mean nothing for the optimised inputs (the data set's own pixel scale). */
const NOT_FEATUREVIS = ['colormap', 'scaleMode', 'layout', 'top', 'legend', 'diff', 'input'] as const;

const flagOf = (option: string) => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A layer's optimised inputs over the run's snapshots, computed first where missing (in a trainer process). */
async function featureVisGif(db: Db, opts: ExportGifCliOptions, cmd: Command, layer: LayerName): Promise<AnimatedGif> {
  const given = NOT_FEATUREVIS.find((o) => cmd.getOptionValueSource(o) === 'cli');
  if (given) throw new UsageError(`${flagOf(given)}: not with --view featurevis`);
  if (opts.run.length !== 1) throw new UsageError('--run: --view featurevis shows one run');
  if (layer === 'fc1') throw new UsageError('--layer: fc1 has no units to optimise inputs for: conv1, conv2 or fc2');
  const steps = parseSteps(opts.steps);
  const { filters, close } = cliAnalyses(db);
  try {
    return await exportFeatureVisGif(db, filters, {
      runId: opts.run[0]!, layer, steps, from: opts.from, to: opts.to, fps: opts.fps, holdMs: opts.hold, zoom: opts.scale, caption: opts.caption, theme: opts.theme,
    });
  } finally {
    close();
  }
}

/** One test image's activation view over the run's snapshots (forward passes in a trainer process). */
async function activationGif(db: Db, opts: ExportGifCliOptions, cmd: Command): Promise<AnimatedGif> {
  const given = WEIGHTS_ONLY.find((o) => cmd.getOptionValueSource(o) === 'cli');
  if (given) throw new UsageError(`${flagOf(given)}: only with --view weights`);
  if (opts.steps !== undefined) throw new UsageError('--steps: only with --view featurevis');
  if (opts.run.length !== 1) throw new UsageError('--run: --view activations shows one run');
  const forward = forwardContext(db, forkTrainer());
  const activations = new Activations(forward);
  try {
    return await exportActivationGif(db, activations, {
      runId: opts.run[0]!,
      input: opts.input,
      diff: opts.diff,
      from: opts.from,
      to: opts.to,
      fps: opts.fps,
      holdMs: opts.hold,
      zoom: opts.scale,
      theme: opts.theme,
    });
  } catch (err) {
    throw asOptionError(err, 'inputs', '--input');
  } finally {
    forward.inference.close();
  }
}

/** The most pixels one frame may have (4096 × 4096; GIF viewers struggle long before GIF's own 65535 × 65535). */
export const MAX_FRAME_PIXELS = 4096 * 4096;
/** The most pixels a whole export may have, about its memory while encoding (the API takes GIFs up to 512 MiB). */
export const MAX_TOTAL_PIXELS = 500_000_000;

/**
 * Refuses, before anything is drawn, an export whose frames would be too large (`--scale`) or too many pixels
 * in all (`--from`/`--to`): the panels' size comes from each run's kernel shape and layout, the frame count from
 * the snapshots in range. Captions and legends add a margin that the budget leaves for them.
 */
function checkBudget(db: Db, opts: ExportGifCliOptions, layer: LayerName): void {
  const runs = opts.run.map((id) => getRun(db, id));
  if (runs.some((r) => !r)) return; // exportRunGif names the missing run
  const zoom = opts.scale ?? DEFAULT_ZOOM[layer];
  let width = 0;
  let height = 0;
  for (const run of runs) {
    const shape = run!.tensors.find((t) => t.name === `${layer}/kernel`)?.shape;
    if (!shape) return; // nor is a layer that was not stored ours to report
    const kind = opts.layout && layoutsFor(shape).includes(opts.layout) ? opts.layout : defaultLayout(layer, shape);
    const l = layoutFor(shape, kind);
    width += l.width;
    height = Math.max(height, l.height);
  }
  const pixels = width * height * zoom * zoom;
  if (pixels > MAX_FRAME_PIXELS) {
    const fits = Math.floor(Math.sqrt(MAX_FRAME_PIXELS / (width * height)));
    throw new UsageError(
      `--scale: at ${zoom}× a frame of ${layer} would be ${width * zoom}×${height * zoom} pixels, over the ${(MAX_FRAME_PIXELS / 1e6).toFixed(1)} million a frame may have` +
        (fits >= 1 ? ` (--scale ${fits} at most here)` : ''),
    );
  }
  const from = opts.from ?? -Infinity;
  const to = opts.to ?? Infinity;
  const frames = new Set(runs.flatMap((r) => r!.snapshots.map((s) => s.epoch)).filter((e) => e >= from && e <= to)).size;
  if (frames * pixels > MAX_TOTAL_PIXELS) {
    throw new UsageError(
      `--from/--to: ${plural(frames, 'frame')} of ${width * zoom}×${height * zoom} pixels is over the ${MAX_TOTAL_PIXELS / 1e6} million pixels an export may have: ` +
        'choose fewer epochs (--from, --to) or a smaller --scale',
    );
  }
}
