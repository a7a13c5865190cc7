#!/usr/bin/env node
// `weightlapse`: the built CLI (out/cli/, made by `npm run build`) when it is up to date; otherwise the
// TypeScript sources through tsx, so that `npx weightlapse` works right after `npm ci` and right after an
// edit, at the price of compiling them at every start.
//
// Up to date means built after the last change to any source it is made of: a build older than a source
// would run yesterday's code. The built CLI forks electron-vite's build of the trainer, so both must be.
import { fileURLToPath } from 'node:url';
import { builtIsCurrent } from '../core/built.mjs';

const root = new URL('../../', import.meta.url);
const BUILT = ['out/cli/weightlapse.js', 'out/main/trainer-process.js'];

if (builtIsCurrent(fileURLToPath(root), BUILT)) {
  await import(new URL(BUILT[0], root).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
