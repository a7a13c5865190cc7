/**
 * The HTTP wire format for call results: JSON, with typed arrays carried as raw bytes beside it, so a
 * 3 MB weight series crosses as 3 MB, not as 4 MB of base64 or 30 MB of JSON numbers. (IPC needs none
 * of this: structured clone already moves typed arrays.)
 *
 * Layout: "WLB1" · u32 LE json byte length · json · zero padding to 8 · the arrays' bytes, each 8-aligned.
 * In the JSON each array is `{"$bin": offset into the byte section, "type": "f32"|"u8"|…, "length": n}`.
 *
 * Isomorphic: no Node, no DOM.
 */
const MAGIC = 0x31424c57; // "WLB1" read as a little-endian u32

const TYPES = {
  f32: Float32Array,
  f64: Float64Array,
  u8: Uint8Array,
  i32: Int32Array,
  u32: Uint32Array,
} as const;
type TypeTag = keyof typeof TYPES;
type AnyTypedArray = InstanceType<(typeof TYPES)[TypeTag]>;
interface BinRef {
  $bin: number;
  type: TypeTag;
  length: number;
}

const align8 = (n: number) => (n + 7) & ~7;

function tagOf(value: unknown): TypeTag | null {
  if (!ArrayBuffer.isView(value)) return null;
  for (const tag of Object.keys(TYPES) as TypeTag[]) if (value instanceof TYPES[tag]) return tag;
  return null;
}

function isBinRef(v: unknown): v is BinRef {
  return typeof v === 'object' && v !== null && '$bin' in v && 'type' in v && 'length' in v;
}

export function encodeWire(value: unknown): Uint8Array {
  const arrays: { array: AnyTypedArray; offset: number }[] = [];
  let dataSize = 0;
  const json = JSON.stringify(value ?? null, (_key, v: unknown) => {
    const type = tagOf(v);
    if (!type) return v;
    const array = v as AnyTypedArray;
    const ref: BinRef = { $bin: dataSize, type, length: array.length };
    arrays.push({ array, offset: dataSize });
    dataSize = align8(dataSize + array.byteLength);
    return ref;
  });
  const jsonBytes = new TextEncoder().encode(json);
  const dataStart = align8(8 + jsonBytes.byteLength);
  const out = new Uint8Array(dataStart + dataSize);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, jsonBytes.byteLength, true);
  out.set(jsonBytes, 8);
  for (const { array, offset } of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + offset);
  }
  return out;
}

export function decodeWire(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not a Weightlapse binary message');
  const jsonLength = view.getUint32(4, true);
  const dataStart = align8(8 + jsonLength);
  if (8 + jsonLength > bytes.byteLength) throw new Error('truncated Weightlapse binary message');
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength));
  return JSON.parse(json, (_key, v: unknown) => {
    if (!isBinRef(v)) return v;
    const ctor = TYPES[v.type];
    if (!ctor) throw new Error(`unknown array type ${String(v.type)}`);
    const start = dataStart + v.$bin;
    const end = start + v.length * ctor.BYTES_PER_ELEMENT;
    if (end > bytes.byteLength) throw new Error('truncated Weightlapse binary message');
    // Copy so the array is aligned and owns its buffer. Uint8Array's own slice: a Node Buffer's
    // slice() is a view into a shared pool, whose .buffer would hold other bytes too.
    return new ctor(Uint8Array.prototype.slice.call(bytes, start, end).buffer);
  });
}
