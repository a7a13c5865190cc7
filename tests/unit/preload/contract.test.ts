import { describe, expect, it } from 'vitest';
import { ApiError, contract, dispatch, parseInput, type Handlers } from '../../../src-preload/api.ts';
import { decodeWire, encodeWire, encodeWireParts } from '../../../src-preload/wire.ts';

const handlers = new Proxy({} as Handlers, {
  get: (_t, name) => (input: unknown) => ({ method: name, input }),
});

describe('the API contract', () => {
  it('fills defaults and passes validated input to the handler', async () => {
    const result = await dispatch(handlers, 'runs.start', { datasetId: 3, config: { epochs: 2 } });
    expect(result.ok).toBe(true);
    const { input } = (result as { ok: true; value: { input: { config: { epochs: number; batchSize: number } } } }).value;
    expect(input.config.epochs).toBe(2);
    expect(input.config.batchSize).toBe(64);
  });

  it('names the field of a bad argument', async () => {
    const result = await dispatch(handlers, 'runs.start', { datasetId: 3, config: { epochs: -1 } });
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'config.epochs' } });
    if (!result.ok) expect(result.error.message).toMatch(/^runs\.start: config\.epochs: /);
  });

  it('refuses unknown fields, wrong types and unknown methods', async () => {
    expect(await dispatch(handlers, 'runs.get', { id: 1, extra: true })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(await dispatch(handlers, 'runs.get', { id: '1' })).toMatchObject({ ok: false, error: { field: 'id' } });
    expect(await dispatch(handlers, 'runs.get', { id: 2 ** 60 })).toMatchObject({ ok: false, error: { field: 'id' } });
    expect(await dispatch(handlers, 'toString', {})).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch(handlers, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('turns thrown errors into data', async () => {
    const failing = { 'runs.list': () => { throw new ApiError('conflict', 'busy'); } } as unknown as Handlers;
    expect(await dispatch(failing, 'runs.list', {})).toEqual({ ok: false, error: { code: 'conflict', message: 'busy' } });
  });

  it('has a schema for every method', () => {
    for (const name of Object.keys(contract) as (keyof typeof contract)[]) {
      expect(() => parseInput(name, 'not an object')).toThrow(ApiError);
    }
  });
});

describe('the binary wire format', () => {
  it('round-trips typed arrays beside JSON', () => {
    const value = {
      shape: [2, 3],
      data: new Float32Array([1.5, -2, 3, Number.NaN, Infinity, 0]),
      images: new Uint8Array([1, 2, 3]),
      nested: [{ x: new Float32Array([7]) }],
      name: 'conv1/kernel',
    };
    const back = decodeWire(encodeWire(value)) as typeof value;
    expect(back.shape).toEqual([2, 3]);
    expect(back.name).toBe('conv1/kernel');
    expect(back.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.data)).toEqual([1.5, -2, 3, Number.NaN, Infinity, 0]);
    expect(Array.from(back.images)).toEqual([1, 2, 3]);
    expect(back.nested[0]!.x[0]).toBe(7);
  });

  it('carries a tensor as its bytes, not as text', () => {
    const data = new Float32Array(250_000);
    expect(encodeWire({ data }).byteLength).toBeLessThan(data.byteLength + 100);
  });

  it('reads a message that owns its buffer in place, and copies one inside a larger buffer', () => {
    const value = { a: new Float32Array([1, 2, 3]), b: new Uint8Array([9]), c: new Float64Array([0.5]) };
    const owned = encodeWire(value);
    const inPlace = decodeWire(owned) as typeof value;
    expect(inPlace.a.buffer).toBe(owned.buffer);
    expect(inPlace.c.buffer).toBe(owned.buffer);
    expect(Array.from(inPlace.a)).toEqual([1, 2, 3]);
    expect(inPlace.c[0]).toBe(0.5);

    // The same bytes at an odd offset of a bigger buffer, as a Node Buffer from a pool may be.
    const pooled = new Uint8Array(owned.byteLength + 3);
    pooled.set(owned, 3);
    const copied = decodeWire(pooled.subarray(3)) as typeof value;
    expect(copied.a.buffer).not.toBe(pooled.buffer);
    expect(copied.a.buffer.byteLength).toBe(12);
    expect(Array.from(copied.a)).toEqual([1, 2, 3]);
    expect(copied.b[0]).toBe(9);
    expect(copied.c[0]).toBe(0.5);
  });

  it('sends the arrays of a message as they are, without copying them into it', () => {
    const data = new Float32Array([1, 2, 3]);
    const parts = encodeWireParts({ data, shape: [3] });
    expect(parts.some((p) => p.buffer === data.buffer)).toBe(true);
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.byteLength), 0);
    expect(joined).toEqual(encodeWire({ data, shape: [3] }));
    expect(Array.from((decodeWire(joined) as { data: Float32Array }).data)).toEqual([1, 2, 3]);
  });

  it('refuses truncated or foreign bytes', () => {
    const bytes = encodeWire({ data: new Float32Array(10) });
    expect(() => decodeWire(bytes.subarray(0, bytes.byteLength - 8))).toThrow(/truncated/);
    expect(() => decodeWire(new TextEncoder().encode('{"a":1}'))).toThrow(/not a Weightlapse/);
  });
});
