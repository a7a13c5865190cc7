/**
 * SIMD training kernels over the tfjs wasm backend's own memory (AssemblyScript, compiled by
 * ./build.mjs into ../simd-binary.ts; the glue is ../simd.ts).
 *
 * Every pointer is a byte offset into the backend's heap, every tensor NHWC float32, contiguous. Each
 * kernel works on a range of one dimension (batch items or output channels) that no other range writes,
 * so that several threads can run the same call on disjoint ranges of the same tensors.
 *
 * The convolution gradients skip zeros of dy. Behind a max pool and a ReLU, three quarters or more of a
 * convolution's output gradient is zero (a pool window passes its gradient to one position only), and
 * skipping them beats a dense GEMM. (Skipping takes 0 × ∞ as 0, where IEEE says NaN: only an input
 * holding infinities tells the difference.)
 */

// ---- helpers ----------------------------------------------------------------------------------

/** dst[0..n) += g * src[0..n) */
// @ts-ignore: decorator
@inline
function axpy(dst: usize, src: usize, g: f32, n: i32): void {
  const gv = f32x4.splat(g);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(v128.load(src + o), gv)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + g * load<f32>(src + o));
  }
}

// @ts-ignore: decorator
@inline
function f32At(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Number of non-zero floats in [p, p + 4n). */
export function countNonZero(p: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let count = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) count = i32x4.sub(count, f32x4.ne(v128.load(f32At(p, i)), zero)); // ne: -1 per lane
  let total = i32x4.extract_lane(count, 0) + i32x4.extract_lane(count, 1) + i32x4.extract_lane(count, 2) + i32x4.extract_lane(count, 3);
  for (; i < n; i++) if (load<f32>(f32At(p, i)) != 0) total++;
  return total;
}

/** dst[c * rows + r] = src[r * cols + c] for rows r0 <= r < r1. */
export function transpose2d(src: usize, dst: usize, rows: i32, cols: i32, r0: i32, r1: i32): void {
  for (let r = r0; r < r1; r++) {
    for (let c = 0; c < cols; c++) store<f32>(f32At(dst, c * rows + r), load<f32>(f32At(src, r * cols + c)));
  }
}

/** out[c] = sum over rows r of x[r * C + c], for columns c0 <= c < c1 (the bias gradient). */
export function sumRows(x: usize, out: usize, rows: i32, C: i32, c0: i32, c1: i32): void {
  let c = c0;
  for (; c + 4 <= c1; c += 4) {
    let acc = f32x4.splat(0);
    for (let r = 0; r < rows; r++) acc = f32x4.add(acc, v128.load(f32At(x, r * C + c)));
    v128.store(f32At(out, c), acc);
  }
  for (; c < c1; c++) {
    let acc: f32 = 0;
    for (let r = 0; r < rows; r++) acc += load<f32>(f32At(x, r * C + c));
    store<f32>(f32At(out, c), acc);
  }
}

// ---- MaxPoolGrad ------------------------------------------------------------------------------

/**
 * dx = 0, then dy added at the first maximum of each pooling window (row-major scan, strictly greater
 * wins, NaN never wins, -0 equals +0: the cpu backend's rule), four channels at a time. Batch items
 * b0 <= b < b1.
 */
export function maxPoolGrad(
  x: usize, dy: usize, dx: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  FH: i32, FW: i32, sh: i32, sw: i32, pt: i32, pl: i32, b0: i32, b1: i32,
): void {
  memory.fill(f32At(dx, b0 * H * W * C), 0, <usize>((b1 - b0) * H * W * C) << 2);
  const negInf = f32x4.splat(-Infinity);
  const none = i32x4.splat(-1);
  for (let b = b0; b < b1; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const hs = max(oh * sh - pt, 0);
      const he = min(oh * sh - pt + FH, H);
      for (let ow = 0; ow < OW; ow++) {
        const ws = max(ow * sw - pl, 0);
        const we = min(ow * sw - pl + FW, W);
        const g = ((b * OH + oh) * OW + ow) * C;
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          let best = negInf;
          let at = none;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) {
              const p = ((b * H + h) * W + w) * C + c;
              const v = v128.load(f32At(x, p));
              const m = f32x4.gt(v, best);
              best = v128.bitselect(v, best, m);
              at = v128.bitselect(i32x4.splat(p), at, m);
            }
          }
          const gv = v128.load(f32At(dy, g + c));
          addAt(dx, i32x4.extract_lane(at, 0), 0, f32x4.extract_lane(gv, 0));
          addAt(dx, i32x4.extract_lane(at, 1), 1, f32x4.extract_lane(gv, 1));
          addAt(dx, i32x4.extract_lane(at, 2), 2, f32x4.extract_lane(gv, 2));
          addAt(dx, i32x4.extract_lane(at, 3), 3, f32x4.extract_lane(gv, 3));
        }
        for (; c < C; c++) {
          let best: f32 = -Infinity;
          let at = -1;
          for (let h = hs; h < he; h++) {
            for (let w = ws; w < we; w++) {
              const p = ((b * H + h) * W + w) * C + c;
              const v = load<f32>(f32At(x, p));
              if (v > best) {
                best = v;
                at = p;
              }
            }
          }
          addAt(dx, at, 0, load<f32>(f32At(dy, g + c)));
        }
      }
    }
  }
}

/** dx[at + lane] += g, unless no maximum was found (at < 0). */
// @ts-ignore: decorator
@inline
function addAt(dx: usize, at: i32, lane: i32, g: f32): void {
  if (at >= 0) {
    const p = f32At(dx, at + lane);
    store<f32>(p, load<f32>(p) + g);
  }
}

// ---- Conv2D for few input channels (a first layer) --------------------------------------------

/**
 * out[b, oh, ow, oc] = act(bias[oc] + sum over kh, kw, c of x[b, oh*sh+kh-pt, ow*sw+kw-pl, c] W[kh, kw, c, oc])
 * for batch items b0 <= b < b1; act is max(., 0) when relu is 1, bias is read when hasBias is 1. Four
 * output positions times four output channels at a time, the sixteen sums in registers: XNNPACK's
 * indirect GEMM reads one pointer per input pixel, which costs more than the pixel when it has one
 * channel.
 */
export function convForward(
  x: usize, w: usize, bias: usize, hasBias: i32, relu: i32, out: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  OC: i32, KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32, b0: i32, b1: i32,
): void {
  const OC4 = OC & ~3;
  const step = <usize>(sw * C) << 2; // bytes from one output position's input pixel to the next one's
  for (let b = b0; b < b1; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const ih0 = oh * sh - pt;
      const kh0 = max(0, -ih0);
      const kh1 = min(KH, H - ih0);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const iw0 = ow * sw - pl;
        if (iw0 < 0 || iw0 + 3 * sw + KW > W) {
          for (let p = ow; p < ow + 4; p++) convPosition(x, w, bias, hasBias, relu, out, H, W, C, OH, OW, OC, KH, KW, sh, sw, pt, pl, b, oh, p, 0);
          continue;
        }
        const dst = f32At(out, ((b * OH + oh) * OW + ow) * OC);
        for (let o = 0; o < OC4; o += 4) {
          let a0 = hasBias ? v128.load(f32At(bias, o)) : f32x4.splat(0);
          let a1 = a0;
          let a2 = a0;
          let a3 = a0;
          // Along a filter row, the (kw, c) pixels are contiguous in x and their weights OC apart in w.
          const rowLength = KW * C;
          for (let kh = kh0; kh < kh1; kh++) {
            let px = f32At(x, ((b * H + ih0 + kh) * W + iw0) * C);
            let wp = f32At(w, kh * rowLength * OC + o);
            for (let t = 0; t < rowLength; t++) {
              const wv = v128.load(wp);
              a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(px), wv));
              a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(px + step), wv));
              a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(px + 2 * step), wv));
              a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(px + 3 * step), wv));
              px += 4;
              wp += <usize>OC << 2;
            }
          }
          if (relu) {
            const zero = f32x4.splat(0);
            a0 = f32x4.max(a0, zero);
            a1 = f32x4.max(a1, zero);
            a2 = f32x4.max(a2, zero);
            a3 = f32x4.max(a3, zero);
          }
          const oc = <usize>o << 2;
          const row = <usize>OC << 2;
          v128.store(dst + oc, a0);
          v128.store(dst + row + oc, a1);
          v128.store(dst + 2 * row + oc, a2);
          v128.store(dst + 3 * row + oc, a3);
        }
        if (OC4 < OC) {
          for (let p = ow; p < ow + 4; p++) convPosition(x, w, bias, hasBias, relu, out, H, W, C, OH, OW, OC, KH, KW, sh, sw, pt, pl, b, oh, p, OC4);
        }
      }
      for (; ow < OW; ow++) convPosition(x, w, bias, hasBias, relu, out, H, W, C, OH, OW, OC, KH, KW, sh, sw, pt, pl, b, oh, ow, 0);
    }
  }
}

/** One output position of convForward, output channels from o0 on, taps outside the input skipped. */
function convPosition(
  x: usize, w: usize, bias: usize, hasBias: i32, relu: i32, out: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32,
  OC: i32, KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32, b: i32, oh: i32, ow: i32, o0: i32,
): void {
  const ih0 = oh * sh - pt;
  const iw0 = ow * sw - pl;
  const dst = f32At(out, ((b * OH + oh) * OW + ow) * OC);
  for (let o = o0; o < OC; o++) {
    let acc: f32 = hasBias ? load<f32>(f32At(bias, o)) : 0;
    for (let kh = max(0, -ih0); kh < min(KH, H - ih0); kh++) {
      for (let kw = max(0, -iw0); kw < min(KW, W - iw0); kw++) {
        for (let c = 0; c < C; c++) {
          acc += load<f32>(f32At(x, ((b * H + ih0 + kh) * W + iw0 + kw) * C + c)) * load<f32>(f32At(w, ((kh * KW + kw) * C + c) * OC + o));
        }
      }
    }
    store<f32>(f32At(dst, o), relu && acc < 0 ? 0 : acc);
  }
}

// ---- Conv2D gradients -------------------------------------------------------------------------

/**
 * dWt[oc, kh, kw, c] = sum over b, oh, ow of x[b, oh*sh+kh-pt, ow*sw+kw-pl, c] * dy[b, oh, ow, oc], for
 * output channels oc0 <= oc < oc1, into dWt laid out [OC, KH, KW, C] (zeroed here): for each non-zero
 * dy, one contiguous multiply-add per filter row.
 */
export function convBackpropFilter(
  x: usize, dy: usize, dWt: usize, B: i32, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32, oc0: i32, oc1: i32,
): void {
  const taps = KH * KW * C;
  memory.fill(f32At(dWt, oc0 * taps), 0, <usize>((oc1 - oc0) * taps) << 2);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sw - pl;
        const kw0 = max(0, -iw0);
        const kw1 = min(KW, W - iw0);
        if (kw0 >= kw1) continue;
        const n = (kw1 - kw0) * C;
        const g = ((b * OH + oh) * OW + ow) * OC;
        for (let oc = oc0; oc < oc1; oc++) {
          const d = load<f32>(f32At(dy, g + oc));
          if (d == 0) continue;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh - pt + kh;
            if (ih < 0 || ih >= H) continue;
            axpy(f32At(dWt, ((oc * KH + kh) * KW + kw0) * C), f32At(x, ((b * H + ih) * W + iw0 + kw0) * C), d, n);
          }
        }
      }
    }
  }
}

/**
 * dx[b, oh*sh+kh-pt, ow*sw+kw-pl, c] += Wt[oc, kh, kw, c] * dy[b, oh, ow, oc] over non-zero dy, for
 * batch items b0 <= b < b1 (dx zeroed here). Wt is the filter laid out [OC, KH, KW, C].
 */
export function convBackpropInput(
  dy: usize, Wt: usize, dx: usize, H: i32, W: i32, C: i32, OH: i32, OW: i32, OC: i32,
  KH: i32, KW: i32, sh: i32, sw: i32, pt: i32, pl: i32, b0: i32, b1: i32,
): void {
  memory.fill(f32At(dx, b0 * H * W * C), 0, <usize>((b1 - b0) * H * W * C) << 2);
  for (let b = b0; b < b1; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const iw0 = ow * sw - pl;
        const kw0 = max(0, -iw0);
        const kw1 = min(KW, W - iw0);
        if (kw0 >= kw1) continue;
        const n = (kw1 - kw0) * C;
        const g = ((b * OH + oh) * OW + ow) * OC;
        for (let oc = 0; oc < OC; oc++) {
          const d = load<f32>(f32At(dy, g + oc));
          if (d == 0) continue;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh - pt + kh;
            if (ih < 0 || ih >= H) continue;
            axpy(f32At(dx, ((b * H + ih) * W + iw0 + kw0) * C), f32At(Wt, ((oc * KH + kh) * KW + kw0) * C), d, n);
          }
        }
      }
    }
  }
}
