/**
 * Resume states: what a trainer needs beyond the weights to carry on exactly (optimizer slots, shuffle
 * RNG, position in the epoch). One row per run, replaced in the same transaction as each snapshot, so
 * it always belongs to the run's latest snapshot.
 *
 * Stored in its own versioned encoding, independent of any transport:
 *
 *   u8 version (1) · 3 zero bytes · u32 LE byte length of the header · header (UTF-8 JSON: the state with
 *   each optimizer slot's shape but not its values) · zero padding to 4 · each slot's float32 values,
 *   little-endian, one after the other in slot order. Nothing follows the last slot.
 *
 * Databases written before this encoding hold the HTTP wire format (src-preload/wire.ts, first bytes
 * "WLB1"); those rows are still read. Every read is checked field by field: a state that does not read
 * back whole is an error naming the run, never a guess.
 */
import { z } from 'zod';
import { decodeWire } from '../../../src-preload/wire.ts';
import type { ResumeState } from '../../trainer/protocol.ts';
import { schemaProblem, unreadable, type Db } from './db.ts';

const VERSION = 1;
/** The first byte of the wire format's magic "WLB1", in which resume states were stored before. */
const LEGACY_WIRE = 0x57;
const HEADER_AT = 8;

const count = z.number().int().min(0);
const shape = z.array(count);
/** Everything but the optimizer slots' values. */
const scalars = z.object({
  seq: count,
  epoch: count,
  batch: count,
  epochRngState: z.number().int().min(0).max(0xffffffff),
  // A diverged run's loss sum is NaN, which JSON writes as null.
  epochSums: z.object({ loss: z.number().or(z.null().transform(() => NaN)), correct: count, seen: count }),
  trainSeconds: z.number(),
  imagesTrained: z.number(),
});
const headerSchema = scalars.extend({
  optimizer: z.object({ iterations: count, slots: z.array(z.object({ shape })) }),
});
const legacySchema = scalars.extend({
  optimizer: z.object({ iterations: count, slots: z.array(z.object({ shape, data: z.instanceof(Float32Array) })) }),
});

const align4 = (n: number) => (n + 3) & ~3;
const sizeOf = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

export function encodeResumeState(state: ResumeState): Uint8Array {
  const header = { ...state, optimizer: { ...state.optimizer, slots: state.optimizer.slots.map((s) => ({ shape: s.shape })) } };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const slotsAt = align4(HEADER_AT + json.byteLength);
  const out = new Uint8Array(slotsAt + state.optimizer.slots.reduce((n, s) => n + s.data.byteLength, 0));
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint32(4, json.byteLength, true);
  out.set(json, HEADER_AT);
  let at = slotsAt;
  for (const slot of state.optimizer.slots) {
    out.set(new Uint8Array(slot.data.buffer, slot.data.byteOffset, slot.data.byteLength), at);
    at += slot.data.byteLength;
  }
  return out;
}

/** Decodes either encoding; throws a plain message (what is wrong) for the caller to put in context. */
export function decodeResumeState(bytes: Uint8Array): ResumeState {
  if (bytes.byteLength === 0) throw new Error('it is empty');
  if (bytes[0] === LEGACY_WIRE) return checked(legacySchema, decodeWire(bytes));
  if (bytes[0] !== VERSION) throw new Error(`its encoding version ${bytes[0]} is newer than this Weightlapse knows (${VERSION})`);
  if (bytes.byteLength < HEADER_AT) throw new Error('it is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(4, true);
  if (HEADER_AT + jsonLength > bytes.byteLength) throw new Error('it is truncated');
  const header = checked(headerSchema, JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER_AT, HEADER_AT + jsonLength))));
  let at = align4(HEADER_AT + jsonLength);
  const slots = header.optimizer.slots.map(({ shape: dims }) => {
    const end = at + 4 * sizeOf(dims);
    if (end > bytes.byteLength) throw new Error('it is truncated');
    // Copied: a Buffer from SQLite may sit at any offset, and a Float32Array needs 4-byte alignment.
    const data = new Float32Array(Uint8Array.prototype.slice.call(bytes, at, end).buffer);
    at = end;
    return { shape: dims, data };
  });
  if (at !== bytes.byteLength) throw new Error(`${bytes.byteLength - at} bytes follow its last optimizer slot`);
  return { ...header, optimizer: { iterations: header.optimizer.iterations, slots } };
}

function checked<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(schemaProblem(parsed.error));
}

export function writeResumeState(db: Db, runId: number, state: ResumeState): void {
  db.prepare(
    `INSERT INTO resume_states (run_id, seq, state) VALUES ($runId, $seq, $state)
     ON CONFLICT (run_id) DO UPDATE SET seq = excluded.seq, state = excluded.state`,
  ).run({ runId, seq: state.seq, state: encodeResumeState(state) });
}

/** The run's latest resume state, or undefined for a run without snapshots. */
export function readResumeState(db: Db, runId: number): ResumeState | undefined {
  const row = db.prepare('SELECT seq, state FROM resume_states WHERE run_id = $runId').get({ runId }) as
    | { seq: number; state: Buffer }
    | undefined;
  if (!row) return undefined;
  let state: ResumeState;
  try {
    state = decodeResumeState(row.state);
  } catch (err) {
    throw unreadable(`run #${runId}'s resume state`, (err as Error).message);
  }
  if (state.seq !== row.seq) throw unreadable(`run #${runId}'s resume state`, `it says snapshot ${state.seq}, its row says ${row.seq}`);
  return state;
}
