// Tile geometry shared by the kernel, the packing routines and the task scheduler.
// The JavaScript side (src/gemm/layout.ts) mirrors these values.

/** Rows of C per micro-tile (rows per packed A panel). */
// @ts-ignore: decorator
@inline export const MR: i32 = 5;
/** Columns of C per micro-tile (columns per packed B panel). */
// @ts-ignore: decorator
@inline export const NR: i32 = 8;
