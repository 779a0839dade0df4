// Layout of the control block (i32 slots) through which the JavaScript side describes a
// job and the threads coordinate. src/gemm/layout.ts mirrors it slot for slot. Bytes
// 512..1023 of the block hold the row kernels' constant table (asm/vmath.ts).

// @ts-ignore: decorator
@inline export const GEN = 0;          // job generation; idle workers wait on this slot
// @ts-ignore: decorator
@inline export const CLAIM = 1;        // (generation & 0x7ff) << 20 | next task index
// @ts-ignore: decorator
@inline export const PACK_DONE = 2;    // packing tasks finished in this job
// @ts-ignore: decorator
@inline export const DONE = 3;         // tasks finished in this job
// @ts-ignore: decorator
@inline export const QUIT = 4;         // 1: workers return from workerLoop
// @ts-ignore: decorator
@inline export const WORKER_TASKS = 5; // tasks run by workers (statistics)
// @ts-ignore: decorator
@inline export const KIND = 6;         // job kind: 0 = GEMM, 1 = row kernel (asm/rows.ts)
// @ts-ignore: decorator
@inline export const TOTAL = 8;        // packing + compute tasks
// @ts-ignore: decorator
@inline export const NPACK = 9;        // packing tasks (they come first)
// @ts-ignore: decorator
@inline export const NPACK_A = 10;     // packing tasks for A (before those for B)
// @ts-ignore: decorator
@inline export const M = 12;
// @ts-ignore: decorator
@inline export const N = 13;
// @ts-ignore: decorator
@inline export const K = 14;
// @ts-ignore: decorator
@inline export const PANELS_A = 15;    // ceil(m / MR)
// @ts-ignore: decorator
@inline export const PANELS_B = 16;    // ceil(n / NR)
// @ts-ignore: decorator
@inline export const A_RAW = 17;       // address of the first raw A
// @ts-ignore: decorator
@inline export const A_RS = 18;        // element strides of A's rows / columns
// @ts-ignore: decorator
@inline export const A_CS = 19;
// @ts-ignore: decorator
@inline export const A_RAW_STRIDE = 20; // bytes between raw A batches
// @ts-ignore: decorator
@inline export const A_PACK = 21;      // address of the first packed A
// @ts-ignore: decorator
@inline export const A_PACK_STRIDE = 22; // bytes between packed A batches (0: broadcast)
// @ts-ignore: decorator
@inline export const B_RAW = 23;
// @ts-ignore: decorator
@inline export const B_RS = 24;
// @ts-ignore: decorator
@inline export const B_CS = 25;
// @ts-ignore: decorator
@inline export const B_RAW_STRIDE = 26;
// @ts-ignore: decorator
@inline export const B_PACK = 27;
// @ts-ignore: decorator
@inline export const B_PACK_STRIDE = 28;
// @ts-ignore: decorator
@inline export const C_ADDR = 29;      // address of the padded C of the first batch
// @ts-ignore: decorator
@inline export const LDC = 30;         // floats per padded C row
// @ts-ignore: decorator
@inline export const C_STRIDE = 31;    // bytes between C batches
// @ts-ignore: decorator
@inline export const TILE_PA = 32;     // A panels per compute tile (tile rows / MR)
// @ts-ignore: decorator
@inline export const TILE_PB = 33;     // B panels per compute tile (tile cols / NR)
// @ts-ignore: decorator
@inline export const TILES_M = 34;
// @ts-ignore: decorator
@inline export const TILES_N = 35;
// @ts-ignore: decorator
@inline export const KC = 36;          // k-block length
// @ts-ignore: decorator
@inline export const A_CHUNK = 37;     // A panels per packing task
// @ts-ignore: decorator
@inline export const A_TASKS = 38;     // packing tasks per A batch
// @ts-ignore: decorator
@inline export const B_CHUNK = 39;
// @ts-ignore: decorator
@inline export const B_TASKS = 40;

// Row jobs (KIND = 1): rowOp(OP, X, Y, r0, r1, COLS, COUNT, GAMMA, BETA, EPS) per task of
// ROW_CHUNK rows; TOTAL = number of tasks.
// @ts-ignore: decorator
@inline export const ROW_OP = 41;
// @ts-ignore: decorator
@inline export const ROW_X = 42;
// @ts-ignore: decorator
@inline export const ROW_Y = 43;
// @ts-ignore: decorator
@inline export const ROW_ROWS = 44;
// @ts-ignore: decorator
@inline export const ROW_COLS = 45;
// @ts-ignore: decorator
@inline export const ROW_COUNT = 46;
// @ts-ignore: decorator
@inline export const ROW_CHUNK = 47;
// @ts-ignore: decorator
@inline export const ROW_GAMMA = 48;
// @ts-ignore: decorator
@inline export const ROW_BETA = 49;
// @ts-ignore: decorator
@inline export const ROW_EPS = 50;      // float32 bits
