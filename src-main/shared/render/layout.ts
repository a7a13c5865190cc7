/**
 * Where each weight goes on the picture. A layout places every element of a kernel (tfjs layout: conv
 * [kh, kw, inC, outC], dense [in, out]) on a cell of a grid at zoom 1, with background gaps between
 * kernels and a one-cell margin (outlines are drawn in the gaps, never over a weight). Zooming is a
 * nearest-neighbour upscale of that grid, so hit-testing is a division.
 *
 * - filters: each output filter as a tile of its input channels side by side, tiles wrapped in columns
 *   (conv1: 20 filters of 5×5; for colour inputs each filter's R, G, B kernels next to each other).
 * - rgb: colour conv1 only, each filter as one RGB composite image.
 * - kernels: one row per output filter, one column per input channel (conv2: 50 × 20 kernels of 5×5);
 *   with `columns`, the rows wrap into that many blocks side by side, to use a wide screen.
 * - matrix: a dense kernel as a heat map, one row per output unit, one column per input.
 * - units: fc1 only, each unit's input weights folded back to the pooled s×s×channels volume, as a
 *   tile of channel patches.
 */
export const LAYOUT_KINDS = ['filters', 'rgb', 'kernels', 'matrix', 'units'] as const;
export type LayoutKind = (typeof LAYOUT_KINDS)[number];

export interface Layout {
  kind: LayoutKind;
  shape: readonly number[];
  /** Size at zoom 1, in cells. */
  width: number;
  height: number;
  /** Zoom-1 pixel (y * width + x) of each data element. */
  pixelOf: Int32Array;
  /** The data element at each zoom-1 pixel, −1 for background (for 'rgb', the red channel's element). */
  elementAt: Int32Array;
  /** Each output filter's rectangle at zoom 1: x, y, w, h. */
  filterRects: Int32Array;
  /** 'rgb': three channels share one cell. */
  composite: boolean;
  /** 'units': channels of the pooled volume that fc1 reads (its inputs are s×s×channels). */
  unitChannels: number;
}

export interface LayoutOptions {
  /** Tiles per row for 'filters', 'rgb' and 'units' (default: about square); blocks of rows side by side for 'kernels' (default 1). */
  columns?: number;
  /** 'units': channels of fc1's input volume (conv2's filter count, 50 in LeNet). */
  unitChannels?: number;
}

/** Which layouts make sense for a kernel of this shape. */
export function layoutsFor(shape: readonly number[]): LayoutKind[] {
  if (shape.length === 4) return shape[2] === 3 ? ['filters', 'rgb', 'kernels'] : ['filters', 'kernels'];
  if (shape.length === 2) return unitSide(shape[0]!, 50) ? ['matrix', 'units'] : ['matrix'];
  return [];
}

/** The picture each layer is first shown as: conv1 as filters, conv2 as its kernel grid, fc as a matrix. */
export function defaultLayout(layer: string, shape: readonly number[]): LayoutKind {
  if (shape.length === 2) return 'matrix';
  return layer === 'conv1' ? 'filters' : 'kernels';
}

/** Background cells between blocks of kernel rows (wider than between kernels, so the blocks read apart). */
const BLOCK_GAP = 4;

/** How many blocks of kernel rows side by side fit in `cells` cells of width: the 'kernels' columns that use it. */
export function kernelColumns(shape: readonly number[], cells: number): number {
  if (shape.length !== 4) return 1;
  const [, kw, inC, outC] = shape as [number, number, number, number];
  const block = inC * (kw + 1) - 1;
  return Math.max(1, Math.min(outC, Math.floor((cells - 2 + BLOCK_GAP) / (block + BLOCK_GAP))));
}

const unitSide = (inputs: number, channels: number): number | undefined => {
  const s = Math.round(Math.sqrt(inputs / channels));
  return s > 0 && s * s * channels === inputs ? s : undefined;
};

const cache = new Map<string, Layout>();

/** The layout for a kernel shape; cached, since the shape of a layer never changes within a run. */
export function layoutFor(shape: readonly number[], kind: LayoutKind, options: LayoutOptions = {}): Layout {
  const key = `${shape.join('x')}|${kind}|${options.columns ?? ''}|${options.unitChannels ?? ''}`;
  let layout = cache.get(key);
  if (!layout) {
    layout = build(shape, kind, options);
    cache.set(key, layout);
  }
  return layout;
}

/** `cell(elem, x, y)` places an element, `rect` records a filter's rectangle; the size follows. */
function build(shape: readonly number[], kind: LayoutKind, options: LayoutOptions): Layout {
  if (!layoutsFor(shape).includes(kind)) {
    throw new Error(`layout '${kind}' does not fit a kernel of shape [${shape.join(', ')}] (fits: ${layoutsFor(shape).join(', ') || 'none'})`);
  }
  if (kind === 'matrix') return matrix(shape as [number, number]);
  const size = shape.reduce((a, b) => a * b, 1);
  const filters = shape.at(-1)!;
  const pixelOf = new Int32Array(size);
  const filterRects = new Int32Array(filters * 4);
  const xs = new Int32Array(size);
  const ys = new Int32Array(size);
  let width = 0;
  let height = 0;
  const cell = (e: number, x: number, y: number) => {
    xs[e] = x;
    ys[e] = y;
    if (x + 2 > width) width = x + 2;
    if (y + 2 > height) height = y + 2;
  };
  const rect = (f: number, x: number, y: number, w: number, h: number) => filterRects.set([x, y, w, h], f * 4);
  let unitChannels = 0;

  if (shape.length === 4) {
    const [kh, kw, inC, outC] = shape as [number, number, number, number];
    const at = (y: number, x: number, c: number, o: number) => ((y * kw + x) * inC + c) * outC + o;
    if (kind === 'kernels') {
      const block = inC * (kw + 1) - 1;
      const rows = Math.ceil(outC / Math.max(1, Math.min(outC, options.columns ?? 1)));
      for (let o = 0; o < outC; o++) {
        const ox = 1 + Math.floor(o / rows) * (block + BLOCK_GAP);
        const oy = 1 + (o % rows) * (kh + 1);
        rect(o, ox, oy, block, kh);
        for (let c = 0; c < inC; c++)
          for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) cell(at(y, x, c, o), ox + c * (kw + 1) + x, oy + y);
      }
    } else {
      // 'filters' puts the channels side by side; 'rgb' stacks them on one cell.
      const side = kind === 'filters' ? inC : 1;
      const tileW = side * kw + (side - 1);
      const gap = side > 1 ? 2 : 1;
      const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt((outC * kh) / tileW)));
      for (let o = 0; o < outC; o++) {
        const tx = 1 + (o % columns) * (tileW + gap);
        const ty = 1 + Math.floor(o / columns) * (kh + gap);
        rect(o, tx, ty, tileW, kh);
        for (let c = 0; c < inC; c++) {
          const cx = kind === 'filters' ? tx + c * (kw + 1) : tx;
          for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) cell(at(y, x, c, o), cx + x, ty + y);
        }
      }
    }
  } else {
    // 'units' (a 'matrix' is built by `matrix`).
    const [inputs, units] = shape as [number, number];
    unitChannels = options.unitChannels ?? 50;
    const s = unitSide(inputs, unitChannels);
    if (!s) throw new Error(`layout 'units': ${inputs} inputs are not s×s×${unitChannels}`);
    // Channel patches in a near-square block, then unit tiles in near-square rows.
    const pc = Math.ceil(Math.sqrt(unitChannels));
    const pr = Math.ceil(unitChannels / pc);
    const tileW = pc * (s + 1) - 1;
    const tileH = pr * (s + 1) - 1;
    const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt((units * tileH) / tileW)));
    for (let u = 0; u < units; u++) {
      const tx = 1 + (u % columns) * (tileW + 2);
      const ty = 1 + Math.floor(u / columns) * (tileH + 2);
      rect(u, tx, ty, tileW, tileH);
      // tfjs flattens the pooled NHWC volume: input = (h * s + w) * channels + c.
      for (let h = 0; h < s; h++)
        for (let w = 0; w < s; w++)
          for (let c = 0; c < unitChannels; c++) {
            const px = tx + (c % pc) * (s + 1) + w;
            const py = ty + Math.floor(c / pc) * (s + 1) + h;
            cell(((h * s + w) * unitChannels + c) * units + u, px, py);
          }
    }
  }

  const elementAt = new Int32Array(width * height).fill(-1);
  const composite = kind === 'rgb';
  for (let e = size - 1; e >= 0; e--) {
    const p = ys[e]! * width + xs[e]!;
    pixelOf[e] = p;
    // Descending order leaves the lowest element (the red channel, for 'rgb') at each shared cell.
    elementAt[p] = e;
  }
  return { kind, shape, width, height, pixelOf, elementAt, filterRects, composite, unitChannels };
}

/**
 * A dense kernel as a heat map: unit u's row, input i's column. Written straight from the shape, without
 * the general placement's per-cell bookkeeping: fc1's 400,000 cells took 20–40 ms that way, long enough to
 * hold up a click while the page prepares the layouts of the layers not shown.
 */
function matrix([inputs, units]: [number, number]): Layout {
  const width = inputs + 2;
  const height = units + 2;
  const pixelOf = new Int32Array(inputs * units);
  const elementAt = new Int32Array(width * height).fill(-1);
  const filterRects = new Int32Array(units * 4);
  for (let u = 0; u < units; u++) filterRects.set([1, 1 + u, inputs, 1], u * 4);
  for (let i = 0; i < inputs; i++) {
    for (let u = 0; u < units; u++) {
      const e = i * units + u;
      const p = (1 + u) * width + 1 + i;
      pixelOf[e] = p;
      elementAt[p] = e;
    }
  }
  return { kind: 'matrix', shape: [inputs, units], width, height, pixelOf, elementAt, filterRects, composite: false, unitChannels: 0 };
}

/** What sits at one data element: output filter, input channel, kernel row and column, dense input. */
export interface Element {
  /** Index into the tensor's data. */
  index: number;
  filter: number;
  /** Conv: input channel; 'units': channel of the pooled volume; matrix: null. */
  channel: number | null;
  row: number | null;
  col: number | null;
  /** Dense layers: the input index. */
  input: number | null;
}

export function describeElement(layout: Layout, index: number): Element {
  const shape = layout.shape;
  const outC = shape.at(-1)!;
  const filter = index % outC;
  if (shape.length === 4) {
    const [, kw, inC] = shape as [number, number, number, number];
    const rest = Math.floor(index / outC);
    return { index, filter, channel: rest % inC, col: Math.floor(rest / inC) % kw, row: Math.floor(rest / inC / kw), input: null };
  }
  const input = Math.floor(index / outC);
  if (layout.kind !== 'units') return { index, filter, channel: null, row: null, col: null, input };
  const ch = layout.unitChannels;
  const s = Math.round(Math.sqrt(shape[0]! / ch));
  const c = input % ch;
  const hw = Math.floor(input / ch);
  return { index, filter, channel: c, row: Math.floor(hw / s), col: hw % s, input };
}

export interface Hit extends Element {
  /** For 'rgb' composites: the R, G, B elements under the pointer. */
  indices: number[];
}

/** The weight under pixel (x, y) of a picture drawn at `zoom`, or null over background. */
export function hitTest(layout: Layout, zoom: number, x: number, y: number): Hit | null {
  const cx = Math.floor(x / zoom);
  const cy = Math.floor(y / zoom);
  if (cx < 0 || cy < 0 || cx >= layout.width || cy >= layout.height) return null;
  const e = layout.elementAt[cy * layout.width + cx]!;
  if (e < 0) return null;
  const el = describeElement(layout, e);
  if (!layout.composite) return { ...el, indices: [e] };
  const outC = layout.shape[3]!;
  // In [kh, kw, 3, outC], the channels of one position are outC apart.
  return { ...el, channel: null, indices: [e, e + outC, e + 2 * outC] };
}
