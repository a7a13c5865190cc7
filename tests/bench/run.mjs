#!/usr/bin/env node
// `npm run bench [name…]`: runs each tests/bench/*.ts (or only those named) in turn, each in its own process,
// so that one benchmark's memory and JIT state do not colour the next. Exit code 1 if any failed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('./', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && (only.length === 0 || only.includes(basename(f, '.ts'))))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n== tests/bench/${file}`);
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, file)], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
