/**
 * The allow-list really enforces: one crossing per layer, linted as if it were a file of that folder,
 * is an error that names the rule; an import the layer may make is not.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
const crossings: [file: string, specifier: string][] = [
  ['src-preload/api.ts', '../src-main/core/paths.ts'],
  ['src-preload/index.ts', '../src-main/trainer/protocol.ts'],
  ['src-main/shared/x.ts', '../core/paths.ts'],
  ['src-main/datasets/x.ts', '../core/paths.ts'],
  ['src-main/trainer/protocol-x.ts', '../core/paths.ts'],
  ['src-main/trainer/loop-x.ts', './backend/index.ts'],
  ['src-main/trainer/window/x.ts', '../../datasets/index.ts'],
  ['src-main/core/x.ts', '../trainer/loop.ts'],
  ['src-main/server/x.ts', '../electron/main.ts'],
  ['src-main/cli/x.ts', '../electron/main.ts'],
  ['src-main/electron/x.ts', '../cli/main.ts'],
  ['src-renderer/src/x.ts', '../../src-main/core/paths.ts'],
  ['src-renderer/src/y.ts', '@contract/../src-main/core/paths.ts'],
];

async function errors(file: string, specifier: string) {
  const [result] = await eslint.lintText(`import '${specifier}';\n`, { filePath: file });
  return result!.messages.filter((m) => m.ruleId === 'local/layering');
}

describe('the layering allow-list', () => {
  it.each(crossings)('refuses a crossing from %s to %s', async (file, specifier) => {
    const found = await errors(file, specifier);
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/^layer '[a-z-]+' may not import layer/);
  });

  it('lets a layer import what it lists, and names a new folder that has no layer', async () => {
    expect(await errors('src-main/core/x.ts', '../trainer/protocol.ts')).toEqual([]);
    expect(await errors('src-renderer/src/x.ts', '@contract/api.ts')).toEqual([]);
    const unplaced = await errors('src-main/analysis/x.ts', '../core/paths.ts');
    expect(unplaced[0]!.message).toContain('is in no layer');
  });
});
