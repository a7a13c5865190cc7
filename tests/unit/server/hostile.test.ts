/**
 * Hostile data set files over HTTP (issue 28): named pipes and links to /dev/zero where data files belong,
 * many at once, are refused at once, each naming its file, and the server keeps answering everything else.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../../src-preload/api.ts';
import { decodeWire } from '../../../src-preload/wire.ts';
import { startServer, type RunningServer } from '../../../src-main/server/index.ts';
import { cifarFolder, idxFolder } from '../datasets/fixtures.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';
import { call } from './http.ts';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ dbPath: join(tempDir('wl-server-hostile-'), 'test.db'), warn: () => {} });
});
afterAll(async () => {
  await server?.close();
  removeTempDirs();
});

/** A data set folder whose `name` is replaced by what `make` puts there. */
function poisoned(folder: string, name: string, make: (file: string) => void): { folder: string; file: string } {
  const file = join(folder, name);
  rmSync(file, { force: true });
  make(file);
  return { folder, file };
}
const fifo = (file: string) => execFileSync('mkfifo', [file]);
const toZero = (file: string) => symlinkSync('/dev/zero', file);

describe('data set files that are not regular files, over HTTP', () => {
  it('are refused at once, many at a time, naming the file, and the server still answers', async () => {
    // More than libuv's four file-system threads: a read that waited on a pipe would hold one each.
    const cases = [
      ...Array.from({ length: 6 }, () => poisoned(cifarFolder().dir, 'test_batch.bin', fifo)),
      ...Array.from({ length: 2 }, () => poisoned(idxFolder({ name: 'to-zero' }), 't10k-images-idx3-ubyte', toZero)),
    ];
    const replies = await Promise.all(cases.map(({ folder }) => call(server.port, server.token, 'datasets.inspect', { path: folder })));
    replies.forEach((reply, i) => {
      expect(reply.status).toBe(400);
      const { error } = reply.json() as { error: { message: string } };
      expect(error.message.split('\n')).toHaveLength(1);
      expect(error.message).toContain(cases[i]!.file);
      expect(error.message).toMatch(/is a (named pipe \(FIFO\)|device), not a regular file/);
    });
    const list = await call(server.port, server.token, 'datasets.list', {});
    expect(list.status).toBe(200);
    expect((decodeWire(list.body) as DatasetInfo[]).some((d) => d.bundled)).toBe(true);
    const sample = (decodeWire(list.body) as DatasetInfo[]).find((d) => d.bundled)!;
    expect((await call(server.port, server.token, 'datasets.samples', { id: sample.id, perClass: 1 })).status).toBe(200);
  });
});
