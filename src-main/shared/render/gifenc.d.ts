/** gifenc ships no types; the part Weightlapse uses. */
declare module 'gifenc' {
  export interface FrameOptions {
    palette?: number[][];
    delay?: number;
    repeat?: number;
    dispose?: number;
    transparent?: boolean;
    transparentIndex?: number;
    first?: boolean;
  }
  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
  }
  export type GIFEncoderFn = (opts?: { auto?: boolean; initialCapacity?: number }) => Encoder;
  /** Node (CommonJS build): the exports object; bundlers (ESM build): GIFEncoder itself. */
  const gifenc: GIFEncoderFn | { GIFEncoder: GIFEncoderFn };
  export default gifenc;
}
