/**
 * Constants shared with the AssemblyScript module: tile geometry (asm/config.ts) and the
 * slots of the control block (asm/control.ts), the row-kernel op codes (asm/rows.ts). Keep
 * the files in step.
 */

/** Rows per micro-tile / packed A panel. */
export const MR = 5;
/** Columns per micro-tile / packed B panel. */
export const NR = 8;

/** Byte address of the control block in the shared memory. */
export const CTL_ADDR = 0;
/**
 * Bytes reserved at the bottom of memory for the control block: i32 slots below 512, the
 * row kernels' constant table (written by the module's initConstants) from 512 on.
 */
export const CTL_BYTES = 1024;

/** i32 slot indices of the control block. */
export const Slot = {
  GEN: 0,
  CLAIM: 1,
  PACK_DONE: 2,
  DONE: 3,
  QUIT: 4,
  WORKER_TASKS: 5,
  KIND: 6,
  TOTAL: 8,
  NPACK: 9,
  NPACK_A: 10,
  M: 12,
  N: 13,
  K: 14,
  PANELS_A: 15,
  PANELS_B: 16,
  A_RAW: 17,
  A_RS: 18,
  A_CS: 19,
  A_RAW_STRIDE: 20,
  A_PACK: 21,
  A_PACK_STRIDE: 22,
  B_RAW: 23,
  B_RS: 24,
  B_CS: 25,
  B_RAW_STRIDE: 26,
  B_PACK: 27,
  B_PACK_STRIDE: 28,
  C_ADDR: 29,
  LDC: 30,
  C_STRIDE: 31,
  TILE_PA: 32,
  TILE_PB: 33,
  TILES_M: 34,
  TILES_N: 35,
  KC: 36,
  A_CHUNK: 37,
  A_TASKS: 38,
  B_CHUNK: 39,
  B_TASKS: 40,
  ROW_OP: 41,
  ROW_X: 42,
  ROW_Y: 43,
  ROW_ROWS: 44,
  ROW_COLS: 45,
  ROW_COUNT: 46,
  ROW_CHUNK: 47,
  ROW_GAMMA: 48,
  ROW_BETA: 49,
  ROW_EPS: 50,
} as const;

/** Values of the KIND slot. */
export const JobKind = { GEMM: 0, ROWS: 1 } as const;

/**
 * Op codes of the row / elementwise kernels (asm/rows.ts). Row ops reduce along rows;
 * the others are elementwise.
 */
export const RowOp = {
  SOFTMAX: 0,
  LOG_SOFTMAX: 1,
  LAYER_NORM: 2,
  GELU: 3,
  GELU_TANH: 4,
  EXP: 5,
  SIGMOID: 6,
  TANH: 7,
} as const;

/** A row / elementwise op code. */
export type RowOpCode = (typeof RowOp)[keyof typeof RowOp];

/** Largest task index the CLAIM slot can hold (20 bits). */
export const MAX_TASKS = (1 << 20) - 1;
