// Packing of the operands into the panel formats the micro-kernel reads.
//
//   A: panel i holds rows [i*MR, i*MR+MR) as k groups of MR floats (rows past m are 0).
//   B: panel j holds cols [j*NR, j*NR+NR) as k groups of NR floats (cols past n are 0).
//
// Panels span the whole k, so a k-block [pc, pc+kc) of a panel is one contiguous slice.
// The sources are strided views: element (row, col) is at src + 4*(row*rs + col*cs), which
// covers both storage orders (transposed or not) of each operand.

import { MR, NR } from './config';

/** Packs A panels [p0, p1) of an m x k matrix. */
export function packA(src: usize, rs: i32, cs: i32, m: i32, k: i32, dst: usize, p0: i32, p1: i32): void {
  const panelBytes = (<usize>MR * <usize>k) << 2;
  for (let ip = p0; ip < p1; ip++) {
    const d = dst + <usize>ip * panelBytes;
    const i0 = ip * MR;
    const rows = min(MR, m - i0);
    if (rows < MR) memory.fill(d, 0, panelBytes);
    if (rs == 1 && rows == MR) {
      // A stored k x m (transposed): the MR values of one k are consecutive.
      let s = src + (<usize>i0 << 2);
      const step = <usize>cs << 2;
      let o = d;
      for (let p = 0; p < k; p++) {
        v128.store(o, v128.load(s));
        store<f32>(o, load<f32>(s, 16), 16);
        s += step;
        o += MR << 2;
      }
    } else {
      const step = <usize>cs << 2;
      for (let r = 0; r < rows; r++) {
        let s = src + ((<usize>(i0 + r) * <usize>rs) << 2);
        let o = d + (<usize>r << 2);
        for (let p = 0; p < k; p++) {
          store<f32>(o, load<f32>(s));
          s += step;
          o += MR << 2;
        }
      }
    }
  }
}

/** Packs B panels [q0, q1) of a k x n matrix. */
export function packB(src: usize, rs: i32, cs: i32, k: i32, n: i32, dst: usize, q0: i32, q1: i32): void {
  const panelBytes = (<usize>NR * <usize>k) << 2;
  for (let q = q0; q < q1; q++) {
    const d = dst + <usize>q * panelBytes;
    const j0 = q * NR;
    const cols = min(NR, n - j0);
    if (cols < NR) memory.fill(d, 0, panelBytes);
    if (cs == 1 && cols == NR) {
      // B stored k x n (not transposed): the NR values of one k are consecutive.
      let s = src + (<usize>j0 << 2);
      const step = <usize>rs << 2;
      let o = d;
      for (let p = 0; p < k; p++) {
        v128.store(o, v128.load(s));
        v128.store(o, v128.load(s, 16), 16);
        s += step;
        o += NR << 2;
      }
    } else {
      const step = <usize>rs << 2;
      for (let c = 0; c < cols; c++) {
        let s = src + ((<usize>(j0 + c) * <usize>cs) << 2);
        let o = d + (<usize>c << 2);
        for (let p = 0; p < k; p++) {
          store<f32>(o, load<f32>(s));
          s += step;
          o += NR << 2;
        }
      }
    }
  }
}
