// Entry of the GEMM WebAssembly module (built by scripts/build-wasm.mjs).
//
// A job (one batched sgemm) is a list of tasks: first the packing tasks (A panels, then
// B panels), then the compute tasks (tiles of C). Every thread, the main one included,
// claims tasks from a shared counter until none is left, so a late or descheduled thread
// never holds the others up, and the main thread alone finishes a job if no worker comes.
// Compute tasks start once every packing task has finished. Row jobs (KIND = 1, see
// asm/rows.ts) have no packing tasks: each task is a range of rows.

import { MR, NR } from './config';
import { kernel5x8 } from './kernel';
import * as C from './control';

import { packA, packB } from './pack';
import { rowOp } from './rows';
import { initConstants } from './vmath';

export { packA, packB, rowOp, initConstants };

@inline function get(ctl: usize, slot: i32): i32 {
  return load<i32>(ctl + (<usize>slot << 2));
}

@inline function slotAddr(ctl: usize, slot: i32): usize {
  return ctl + (<usize>slot << 2);
}

/**
 * C panels [p0, p1) x [q0, q1) = A panels x B panels over the whole k, in k-blocks of kcMax:
 * one B micro-panel (kc x NR) stays in L1 while the A block streams from L2.
 */
export function gemmTile(aPack: usize, bPack: usize, c: usize, ldc: i32, k: i32, p0: i32, p1: i32, q0: i32, q1: i32, kcMax: i32): void {
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = min(kcMax, k - pc);
    const accumulate = pc > 0;
    for (let q = q0; q < q1; q++) {
      const bp = bPack + ((<usize>q * NR * <usize>k + <usize>pc * NR) << 2);
      for (let i = p0; i < p1; i++) {
        const ap = aPack + ((<usize>i * MR * <usize>k + <usize>pc * MR) << 2);
        const cp = c + ((<usize>i * MR * <usize>ldc + <usize>q * NR) << 2);
        kernel5x8(ap, bp, cp, ldc, kc, accumulate);
      }
    }
  }
}

function runPackTask(ctl: usize, idx: i32): void {
  const k = get(ctl, C.K);
  const nA = get(ctl, C.NPACK_A);
  if (idx < nA) {
    const per = get(ctl, C.A_TASKS);
    const batch = idx / per;
    const chunk = get(ctl, C.A_CHUNK);
    const p0 = (idx - batch * per) * chunk;
    const p1 = min(get(ctl, C.PANELS_A), p0 + chunk);
    packA(
      <usize>get(ctl, C.A_RAW) + <usize>batch * <usize>get(ctl, C.A_RAW_STRIDE),
      get(ctl, C.A_RS), get(ctl, C.A_CS), get(ctl, C.M), k,
      <usize>get(ctl, C.A_PACK) + <usize>batch * <usize>get(ctl, C.A_PACK_STRIDE), p0, p1,
    );
  } else {
    idx -= nA;
    const per = get(ctl, C.B_TASKS);
    const batch = idx / per;
    const chunk = get(ctl, C.B_CHUNK);
    const q0 = (idx - batch * per) * chunk;
    const q1 = min(get(ctl, C.PANELS_B), q0 + chunk);
    packB(
      <usize>get(ctl, C.B_RAW) + <usize>batch * <usize>get(ctl, C.B_RAW_STRIDE),
      get(ctl, C.B_RS), get(ctl, C.B_CS), k, get(ctl, C.N),
      <usize>get(ctl, C.B_PACK) + <usize>batch * <usize>get(ctl, C.B_PACK_STRIDE), q0, q1,
    );
  }
}

function runRowTask(ctl: usize, idx: i32): void {
  const chunk = get(ctl, C.ROW_CHUNK);
  const r0 = idx * chunk;
  const r1 = min(get(ctl, C.ROW_ROWS), r0 + chunk);
  rowOp(
    get(ctl, C.ROW_OP), <usize>get(ctl, C.ROW_X), <usize>get(ctl, C.ROW_Y), r0, r1,
    get(ctl, C.ROW_COLS), get(ctl, C.ROW_COUNT),
    <usize>get(ctl, C.ROW_GAMMA), <usize>get(ctl, C.ROW_BETA), reinterpret<f32>(get(ctl, C.ROW_EPS)),
  );
}

function runComputeTask(ctl: usize, idx: i32): void {
  const tm = get(ctl, C.TILES_M), tn = get(ctl, C.TILES_N);
  const perBatch = tm * tn;
  const batch = idx / perBatch;
  const r = idx - batch * perBatch;
  const ti = r / tn, tj = r - (r / tn) * tn;
  const tpa = get(ctl, C.TILE_PA), tpb = get(ctl, C.TILE_PB);
  const p0 = ti * tpa, q0 = tj * tpb;
  const p1 = min(get(ctl, C.PANELS_A), p0 + tpa);
  const q1 = min(get(ctl, C.PANELS_B), q0 + tpb);
  gemmTile(
    <usize>get(ctl, C.A_PACK) + <usize>batch * <usize>get(ctl, C.A_PACK_STRIDE),
    <usize>get(ctl, C.B_PACK) + <usize>batch * <usize>get(ctl, C.B_PACK_STRIDE),
    <usize>get(ctl, C.C_ADDR) + <usize>batch * <usize>get(ctl, C.C_STRIDE),
    get(ctl, C.LDC), get(ctl, C.K), p0, p1, q0, q1, get(ctl, C.KC),
  );
}

/**
 * Claims and runs tasks of job `gen` until none is left (or the job is over).
 * `isWorker` only feeds the statistics slot.
 */
export function runTasks(ctl: usize, gen: i32, isWorker: bool): void {
  const tag = (gen & 0x7ff) << 20;
  const claim = slotAddr(ctl, C.CLAIM);
  while (true) {
    const cur = atomic.load<i32>(claim);
    if ((cur & 0x7ff00000) != tag) return; // a later job: this one is over
    const idx = cur & 0xfffff;
    const total = get(ctl, C.TOTAL);
    if (idx >= total) return;
    if (atomic.cmpxchg<i32>(claim, cur, cur + 1) != cur) continue;
    const nPack = get(ctl, C.NPACK);
    if (get(ctl, C.KIND) == 1) {
      runRowTask(ctl, idx);
    } else if (idx < nPack) {
      runPackTask(ctl, idx);
      if (atomic.add<i32>(slotAddr(ctl, C.PACK_DONE), 1) + 1 == nPack) atomic.notify(slotAddr(ctl, C.PACK_DONE));
    } else {
      // Compute needs every panel packed; packing tasks are short, so spin a little first.
      const packDone = slotAddr(ctl, C.PACK_DONE);
      let spins = 0;
      while (true) {
        const done = atomic.load<i32>(packDone);
        if (done >= nPack) break;
        if (++spins > 2000) atomic.wait<i32>(packDone, done, 1000000);
      }
      runComputeTask(ctl, idx - nPack);
    }
    if (isWorker) atomic.add<i32>(slotAddr(ctl, C.WORKER_TASKS), 1);
    if (atomic.add<i32>(slotAddr(ctl, C.DONE), 1) + 1 == total) atomic.notify(slotAddr(ctl, C.DONE));
  }
}

/** A worker thread's life: wait for a new job generation, help with it, until QUIT. */
export function workerLoop(ctl: usize): void {
  const genAddr = slotAddr(ctl, C.GEN);
  let seen = 0;
  while (true) {
    if (atomic.load<i32>(slotAddr(ctl, C.QUIT))) return;
    const gen = atomic.load<i32>(genAddr);
    if (gen == seen) {
      atomic.wait<i32>(genAddr, seen, -1);
      continue;
    }
    seen = gen;
    runTasks(ctl, gen, true);
  }
}
