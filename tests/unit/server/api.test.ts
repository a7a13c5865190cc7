import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetInfo, DatasetSamples } from '../../../src-preload/api.ts';
import { decodeWire } from '../../../src-preload/wire.ts';
import { startServer, WIRE_CONTENT_TYPE, type RunningServer } from '../../../src-main/server/index.ts';
import { call } from './http.ts';

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-api-'));
  server = await startServer({ dbPath: join(dir, 'api.db'), warn: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('calls over HTTP', () => {
  it('answer in the binary wire format, typed arrays included, with the bundled sample registered at start', async () => {
    const list = await call(server.port, server.token, 'datasets.list', {});
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toBe(WIRE_CONTENT_TYPE);
    const datasets = decodeWire(list.body) as DatasetInfo[];
    const sample = datasets.find((d) => d.bundled);
    expect(sample).toMatchObject({ format: 'idx', shape: [28, 28, 1], available: true });

    const reply = await call(server.port, server.token, 'datasets.samples', { id: sample!.id, perClass: 2 });
    expect(reply.status).toBe(200);
    const samples = decodeWire(reply.body) as DatasetSamples;
    expect(samples.images).toBeInstanceOf(Uint8Array);
    expect(samples.labels).toHaveLength(20);
    expect(samples.images.length).toBe(20 * 28 * 28);
  });
});

describe('GET /api/events', () => {
  it('streams the core events to the browser as server-sent events, but not the desktop menu', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/events',
          headers: { Host: `127.0.0.1:${server.port}`, Authorization: `Bearer ${server.token}` },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes(': connected')) {
              server.core.ctx.emit('menu.command', { command: 'about' });
              server.core.ctx.emit('run.changed', { runId: 7 });
            }
            if (text.includes('run.changed')) {
              req.destroy();
              resolve(text);
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(received).toContain('event: run.changed\ndata: {"runId":7}\n\n');
    expect(received).not.toContain('menu.command');
  });
});
