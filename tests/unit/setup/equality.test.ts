/** The suite's equality for typed arrays (tests/setup/equality.ts): fast where equal, vitest's verdict everywhere else. */
import { expect, it } from 'vitest';

it('takes equal bytes of one kind as equal, alone or inside other values', () => {
  const weights = Float32Array.from({ length: 400_000 }, (_, i) => Math.sin(i));
  expect(weights).toEqual(weights.slice());
  expect({ tensors: [Buffer.from(weights.buffer)] }).toEqual({ tensors: [Buffer.from(weights.slice().buffer)] });
  expect(new Float32Array([Number.NaN])).toEqual(new Float32Array([Number.NaN]));
});

it('still tells a difference, another kind of array, or another length', () => {
  const a = new Float32Array([1, 2, 3]);
  expect(() => expect(a).toEqual(new Float32Array([1, 2, 4]))).toThrow(/to deeply equal/);
  expect(() => expect(Buffer.from([1, 2])).toEqual(new Uint8Array([1, 2]))).toThrow(/to deeply equal/);
  expect(() => expect(new Int32Array([1])).toEqual(new Uint32Array([1]))).toThrow(/to deeply equal/);
  expect(() => expect(a).toEqual(a.subarray(0, 2))).toThrow(/to deeply equal/);
  expect(() => expect(new Float32Array([0])).toStrictEqual(new Float32Array([-0]))).toThrow();
});
