/** The committed SIMD kernels binary is the one its AssemblyScript source compiles to. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { binaryModuleSource } from '../../../../src-main/trainer/backend/wasm-kernels/assembly/build.mjs';

it('simd-binary.ts is up to date with assembly/kernels.ts (else: npm run build:kernels)', async () => {
  const committed = readFileSync(new URL('../../../../src-main/trainer/backend/wasm-kernels/simd-binary.ts', import.meta.url), 'utf8');
  expect(await binaryModuleSource()).toBe(committed);
});
