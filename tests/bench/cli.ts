/**
 * How long the command line takes to start. Goal: `weightlapse --help` and `--version` ≤ 0.3 s from the
 * built CLI (`npm run build`), measured as a person runs it: `node src-main/cli/weightlapse.mjs`, the
 * package's bin. The same from the TypeScript sources (what runs when the build is missing or older than
 * a source) and a bare `node -e 0` are the peers: the start of Node itself is the floor.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { appRoot } from '../../src-main/core/paths.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
const BUILT = join(appRoot, 'out', 'cli', 'weightlapse.js');
const MAIN_TS = join(appRoot, 'src-main', 'cli', 'main.ts');
const RUNS = 10;

/** Median wall-clock seconds of `node args…` (after one warm-up run), failing loudly if it fails. */
function median(args: string[]): number {
  const once = () => {
    const t = performance.now();
    const { status, stderr } = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    if (status !== 0) throw new Error(`node ${args.join(' ')} exited ${status}: ${stderr}`);
    return (performance.now() - t) / 1000;
  };
  once();
  const times = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

const verdict = (seconds: number, goal: number) => `goal ≤ ${goal} s: ${seconds <= goal ? 'met' : 'MISSED'}`;
const row = (label: string, seconds: number, extra = '') => console.log(`${label.padEnd(50)} ${seconds.toFixed(3)} s  ${extra}`);

console.log(`${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; median of ${RUNS} starts`);
const node = median(['-e', '0']);
row('node -e 0 (the floor)', node);
const built = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`weightlapse --version failed: ${built.stderr}`);
for (const verb of ['--help', '--version']) {
  const seconds = median([BIN, verb]);
  row(`weightlapse ${verb} (the bin)`, seconds, verdict(seconds, 0.3));
}
// The bin runs the build only when it is current; these two say what each path costs on its own.
try {
  row('  built file alone: out/cli/weightlapse.js --help', median([BUILT, '--help']));
} catch {
  console.log('  out/cli/weightlapse.js is missing: run `npm run build` (the bin then runs the sources)');
}
row('  from the sources through tsx: --help', median(['--import', 'tsx', MAIN_TS, '--help']));
row('  from the sources through tsx: train --help', median(['--import', 'tsx', MAIN_TS, 'train', '--help']));
