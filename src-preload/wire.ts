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

/**
 * The message as the pieces to send one after another: the header (magic, JSON, padding), then each
 * array's own bytes (not copied) and its padding. A server writes them straight to the socket, so a 3 MB
 * series is not copied into one more 3 MB buffer first.
 */
export function encodeWireParts(value: unknown): Uint8Array[] {
  const arrays: AnyTypedArray[] = [];
  let dataSize = 0;
  const json = JSON.stringify(value ?? null, (_key, v: unknown) => {
    const type = tagOf(v);
    if (!type) return v;
    const array = v as AnyTypedArray;
    const ref: BinRef = { $bin: dataSize, type, length: array.length };
    arrays.push(array);
    dataSize = align8(dataSize + array.byteLength);
    return ref;
  });
  const jsonBytes = new TextEncoder().encode(json);
  const header = new Uint8Array(align8(8 + jsonBytes.byteLength));
  const view = new DataView(header.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, jsonBytes.byteLength, true);
  header.set(jsonBytes, 8);
  const parts = [header];
  for (const array of arrays) {
    parts.push(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    const padding = align8(array.byteLength) - array.byteLength;
    if (padding > 0) parts.push(new Uint8Array(padding));
  }
  return parts;
}

/** The message in one buffer. */
export function encodeWire(value: unknown): Uint8Array {
  const parts = encodeWireParts(value);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
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
  const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const ownBuffer = whole ? (bytes.buffer as ArrayBuffer) : null;
  return JSON.parse(json, (_key, v: unknown) => {
    if (!isBinRef(v)) return v;
    const ctor = TYPES[v.type];
    if (!ctor) throw new Error(`unknown array type ${String(v.type)}`);
    const start = dataStart + v.$bin;
    const end = start + v.length * ctor.BYTES_PER_ELEMENT;
    if (end > bytes.byteLength) throw new Error('truncated Weightlapse binary message');
    // A message that owns its whole buffer (a fetched body) is read in place: every array in it is
    // 8-aligned, and a 3 MB series is not copied again. Anything else (a Node Buffer may sit at any offset
    // in a shared pool) is copied, so that the array is aligned and its buffer holds only its own bytes.
    if (ownBuffer) return new ctor(ownBuffer, start, v.length);
    return new ctor(Uint8Array.prototype.slice.call(bytes, start, end).buffer);
  });
}
