/**
 * Hostile files are read in a child process, so that what reading them costs can be measured (its peak
 * resident memory, from the kernel) and a reader that grew without limit could not take the test runner
 * down with it. The child runs a module body that ends by calling `answer(value)`.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { appRoot } from '../../../src-main/core/paths.ts';
import { tempDir } from '../../helpers.ts';

export interface ChildResult<T> {
  answer: T;
  /** The child's peak resident set, in MB. */
  peakMb: number;
  stderr: string;
}

/** Refuses to load sharp, as where its native binary is missing (the pure-JS decoders take over). */
const NO_SHARP = `data:text/javascript,export async function resolve(s, c, next) { if (s === "sharp") throw new Error("no sharp here"); return next(s, c); }`;

/**
 * Runs `body` (TypeScript, top-level await allowed) with `answer` and the app's modules at hand
 * (`import … from '@app/src-main/…'` is rewritten to the app's folder).
 */
export function inChild<T>(body: string, options: { withoutSharp?: boolean } = {}): Promise<ChildResult<T>> {
  const dir = tempDir();
  const script = join(dir, 'child.mts');
  const source = body.replaceAll("'@app/", `'${appRoot}/`);
  writeFileSync(
    script,
    `const answer = (value: unknown) => process.stdout.write(JSON.stringify({ answer: value, peakMb: Math.round(process.resourceUsage().maxRSS / 1024) }));\n${source}\n`,
  );
  const register = join(dir, 'no-sharp.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(NO_SHARP)});\n`);
  const args = ['--import', 'tsx', ...(options.withoutSharp ? ['--import', register] : []), script];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: appRoot, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`the child failed (${err.message.split('\n')[0]}): ${stderr.slice(-2000)}`));
      const { answer, peakMb } = JSON.parse(stdout) as { answer: T; peakMb: number };
      resolve({ answer, peakMb, stderr });
    });
  });
}

/** What the child answers for a refusal: the error's class and message. */
export const REFUSAL = `const refusal = (p: Promise<unknown>) => p.then(() => null, (e: Error) => ({ name: e.name, message: e.message }));`;

/** What every refusal must be: a DatasetError of one line that starts with `file`, no stack trace. */
export function expectRefusal(refusal: { name: string; message: string } | null, file: string, problem: RegExp): void {
  expect(refusal, `${file} is refused`).not.toBeNull();
  expect(refusal!.name).toBe('DatasetError');
  expect(refusal!.message.startsWith(`${file}: `), `"${refusal!.message}" starts with ${file}`).toBe(true);
  expect(refusal!.message).not.toContain('\n');
  expect(refusal!.message.slice(file.length + 2)).toMatch(problem);
}
