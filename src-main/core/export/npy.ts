/**
 * NumPy `.npy` files (format version 1.0) for float32 tensors (weights, activations), float64 ones (the
 * analyses' results), and the example ledger's bytes, int32 counts and float16 bits, so they can be analysed in Python: magic, version, a little-endian u16 header
 * length, a Python dict literal padded with spaces to a multiple of 64 bytes and ending in a newline, then
 * the raw little-endian data in C order.
 */
export const NPY_MAGIC = [0x93, ...new TextEncoder().encode('NUMPY'), 1, 0];

export type NpyData = Float32Array | Float64Array | Uint8Array | Int32Array | Uint16Array;

const descrOf = (data: NpyData) =>
  data instanceof Float64Array ? '<f8' : data instanceof Float32Array ? '<f4' : data instanceof Int32Array ? '<i4' : data instanceof Uint8Array ? '|u1' : '<u2';

/** `float16`: a Uint16Array holds float16 bits (src-main/shared/half.ts), written as NumPy's float16. */
export function encodeNpy(shape: readonly number[], data: NpyData, float16 = false): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`shape [${shape.join(', ')}] holds ${size} values, not ${data.length}`);
  if (float16 && !(data instanceof Uint16Array)) throw new Error('float16 values come as their bits, in a Uint16Array');
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const descr = float16 ? '<f2' : descrOf(data);
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const unpadded = NPY_MAGIC.length + 2 + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(NPY_MAGIC.length + 2 + header.length + data.byteLength);
  out.set(NPY_MAGIC, 0);
  new DataView(out.buffer).setUint16(NPY_MAGIC.length, header.length, true);
  out.set(new TextEncoder().encode(header), NPY_MAGIC.length + 2);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), NPY_MAGIC.length + 2 + header.length);
  return out;
}
