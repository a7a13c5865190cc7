import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GifReader } from 'omggif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../../src-main/core/paths.ts';
import { openTempDb, storeRun } from '../core/gif/store.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';

let dbPath: string;
let runA: number;
let runB: number;
let out: string;

beforeAll(() => {
  const { db, path } = openTempDb();
  runA = storeRun(db, 'alpha', [0, 0.5, 1, 2, 3], 1);
  runB = storeRun(db, 'beta', [0, 1, 2], 2);
  db.close();
  dbPath = path;
  out = tempDir();
});
afterAll(removeTempDirs);

/** Runs `weightlapse --db … export-gif …` as a person would, in its own process. */
function exportGif(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(appRoot, 'src-main', 'cli', 'weightlapse.mjs'), '--db', dbPath, 'export-gif', ...args], (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('weightlapse export-gif', () => {
  it('writes one frame per stored snapshot in range, at the chosen scale and speed', async () => {
    const file = join(out, 'conv1.gif');
    const r = await exportGif('--run', String(runA), '--layer', 'conv1', '--out', file, '--from', '0.5', '--fps', '10', '--scale', '4');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/conv1\.gif: 4 frames, \d+×\d+, \d+ KiB/);
    const gif = new GifReader(readFileSync(file));
    expect(gif.numFrames()).toBe(4);
    expect(gif.frameInfo(0).delay).toBe(10);
  });

  it('puts several runs side by side, and reports in JSON', async () => {
    const file = join(out, 'compare.gif');
    const r = await exportGif('--run', `${runA},${runB}`, '--layer', 'conv2', '--out', file, '--diff', 'init', '--colormap', 'diverging', '--top', '3');
    expect(r.code).toBe(0);
    const alone = await exportGif('--run', String(runA), '--layer', 'conv2', '--out', join(out, 'alone.gif'), '--diff', 'init');
    expect(alone.code).toBe(0);
    const [both, one] = [new GifReader(readFileSync(file)), new GifReader(readFileSync(join(out, 'alone.gif')))];
    expect(both.width).toBeGreaterThan(one.width * 1.8);
    const j = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const args = ['--db', dbPath, '--json', 'export-gif', '--run', String(runB), '--layer', 'fc2', '--out', join(out, 'fc2.gif')];
      execFile(process.execPath, [join(appRoot, 'src-main', 'cli', 'weightlapse.mjs'), ...args], (err, stdout) => resolve({ code: err ? 1 : 0, stdout }));
    });
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ frames: 3, epochs: [0, 1, 2], bytes: readFileSync(join(out, 'fc2.gif')).length });
  });

  it('draws the background and labels in the chosen theme (dark by default), the weights alike in both', async () => {
    const frame = async (...theme: string[]) => {
      const file = join(out, `theme${theme.join('-')}.gif`);
      expect((await exportGif('--run', String(runA), '--layer', 'conv1', '--out', file, ...theme)).code).toBe(0);
      const gif = new GifReader(readFileSync(file));
      const rgba = new Uint8Array(gif.width * gif.height * 4);
      gif.decodeAndBlitFrameRGBA(0, rgba);
      return rgba;
    };
    const [dark, light, byDefault] = [await frame('--theme', 'dark'), await frame('--theme', 'light'), await frame()];
    expect(byDefault).toEqual(dark);
    expect(Array.from(dark.subarray(0, 3))).toEqual([0x1d, 0x20, 0x26]);
    expect(Array.from(light.subarray(0, 3))).toEqual([0xe4, 0xe7, 0xeb]);
    expect(light.length).toBe(dark.length);
    // Every pixel that is not the interface's is the same colour in both.
    const isUi = (p: Uint8Array, i: number) => [[0x1d, 0x20, 0x26], [0xe8, 0xea, 0xed], [0xff, 0xc4, 0x00], [0x8a, 0x90, 0x99]].some((c) => c.every((v, k) => p[i + k] === v));
    let weights = 0;
    for (let i = 0; i < dark.length; i += 4) {
      if (isUi(dark, i)) continue;
      weights++;
      expect(light.subarray(i, i + 4)).toEqual(dark.subarray(i, i + 4));
    }
    expect(weights).toBeGreaterThan(500);
    expect((await exportGif('--run', String(runA), '--layer', 'conv1', '--out', join(out, 'x.gif'), '--theme', 'sepia')).stderr).toMatch(/--theme: "sepia" is not one of dark, light/);
  });

  it.each([
    [['--run', '999', '--layer', 'conv1'], /^weightlapse: no run with id 999\n$/, 1],
    [['--run', '1', '--layer', 'conv1', '--from', '7'], /^weightlapse: no snapshots between epochs 7 and end \(stored: 0–3\)\n$/, 1],
    [['--run', '1', '--layer', 'conv3'], /^weightlapse: --layer: "conv3" is not one of conv1, conv2, fc1, fc2\n$/, 2],
    [['--run', '1', '--layer', 'conv1', '--fps', '0'], /^weightlapse: --fps: "0" is not a number from 1 to 50\n$/, 2],
    [['--run', '1', '--layer', 'conv1', '--layout', 'rgb'], /^weightlapse: layout 'rgb' does not fit conv1 of shape \[5, 5, 1, 20\] \(fits: filters, kernels\)\n$/, 1],
  ])('refuses %j with one clear line and exit code %#', async (args, message, code) => {
    const r = await exportGif(...args, '--out', join(out, 'x.gif'));
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('refuses frames beyond the budget before drawing anything (conv2 at 64× would be gigabytes)', async () => {
    const file = join(out, 'huge.gif');
    const r = await exportGif('--run', String(runA), '--layer', 'conv2', '--scale', '64', '--out', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^weightlapse: --scale: at 64× a frame of conv2 would be \d+×\d+ pixels, over the [\d.]+ million a frame may have \(--scale \d+ at most here\)\n$/);
    expect(existsSync(file)).toBe(false);
  });

  it('says when the output cannot be written', async () => {
    const notADir = join(out, 'file');
    writeFileSync(notADir, '');
    const r = await exportGif('--run', String(runA), '--layer', 'conv1', '--out', join(notADir, 'x.gif'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`weightlapse: --out: ${notADir} is a file, not a folder\n`);
  });
});
