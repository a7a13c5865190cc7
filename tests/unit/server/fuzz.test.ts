/**
 * Bad input for every method of the contract, over HTTP: wrong types, missing and unknown fields, huge
 * numbers, paths with `..`. Each gets a 4xx with a message (or, where the input is valid and the method
 * cannot do it, an error as data), and the server keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { contract, type MethodName } from '../../../src-preload/api.ts';
import { startServer, type RunningServer } from '../../../src-main/server/index.ts';
import { call } from './http.ts';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-fuzz-'));
  server = await startServer({ dbPath: join(dir, 'fuzz.db'), warn: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const BAD_VALUES: unknown[] = [
  null,
  true,
  '',
  'text',
  'x'.repeat(5000),
  -1,
  0,
  1.5,
  1e308,
  2 ** 53 + 2,
  -(2 ** 60),
  [],
  [1, 'two', null],
  {},
  { nested: { deeper: ['..'] } },
  '..',
  '../../../../etc/passwd',
  '/nonexistent/../../etc',
  'a\u0000b',
];

/** Values that would be valid for common field names, so each field can be broken on its own. */
const PLAUSIBLE: Record<string, unknown> = {
  id: 987654,
  runId: 987654,
  datasetId: 987654,
  path: '/nonexistent/weightlapse-fuzz/../data',
  name: 'fuzz',
  tensor: 'conv1/kernel',
  seq: 0,
  seqs: [0, 1],
  perClass: 2,
  config: { epochs: 1 },
  archive: false,
  suggestedName: 'fuzz.gif',
};

function shapeOf(method: MethodName): Record<string, unknown> {
  return (contract[method].input as unknown as z.ZodObject).shape ?? {};
}

function inputsFor(method: MethodName): unknown[] {
  const keys = Object.keys(shapeOf(method));
  const base = Object.fromEntries(keys.filter((k) => k in PLAUSIBLE).map((k) => [k, PLAUSIBLE[k]]));
  const inputs: unknown[] = ['not an object', 42, [base], { ...base, unknownField: 1 }, { ...JSON.parse('{"__proto__":{"id":1}}'), ...base }];
  for (const key of keys) {
    const { [key]: _dropped, ...missing } = base;
    inputs.push(missing);
    for (const value of BAD_VALUES) inputs.push({ ...base, [key]: value });
  }
  return inputs;
}

describe('bad input to every method', () => {
  it('gets a 4xx and a message naming the method, and the server keeps serving', async () => {
    const methods = Object.keys(contract) as MethodName[];
    expect(methods.length).toBeGreaterThan(10);
    let invalid = 0;
    for (const method of methods) {
      for (const input of inputsFor(method)) {
        const reply = await call(server.port, server.token, method, input);
        const what = `${method} ${JSON.stringify(input)?.slice(0, 120)} → ${reply.status} ${reply.text.slice(0, 200)}`;
        if (!contract[method].input.safeParse(input).success) {
          invalid++;
          expect(reply.status, what).toBe(400);
          const body = reply.json() as { ok: boolean; error: { code: string; message: string } };
          expect(body, what).toMatchObject({ ok: false, error: { code: 'bad-input' } });
          expect(body.error.message.startsWith(`${method}: `), what).toBe(true);
        } else {
          // Valid in form, but naming nothing that exists, or something the browser cannot do:
          // a refusal as data, never a crash.
          expect([400, 404, 409, 501], what).toContain(reply.status);
          expect((reply.json() as { error: { message: string } }).error.message.length, what).toBeGreaterThan(0);
        }
      }
    }
    expect(invalid).toBeGreaterThan(methods.length * 10);
    for (const method of ['app.info', 'runs.list'] as const) {
      const reply = await call(server.port, server.token, method, {});
      // 501 until the method's own issue lands; then 200 with the result.
      expect([200, 501], `${method} → ${reply.status}`).toContain(reply.status);
    }
  });
});
