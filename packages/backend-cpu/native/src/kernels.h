// Micro-kernel interface shared by the ISA-specific translation units and the driver.
//
// A micro-kernel computes one tile C[rows x cols] (+)= Apanel · Bpanel over kc steps:
//   pa: packed A micro-panel, pa[p * mr + i]  (i < mr; rows >= valid rows are zero padding)
//   pb: packed B micro-panel, pb[p * nr + j]  (j < nr; zero padded), 64-byte aligned
//   c:  top-left of the C tile, row stride ldc; only rows x cols elements are touched
//   accumulate: 0 overwrites C, 1 adds to it.
// This header must stay free of C++ standard headers: it is included by translation units
// compiled for other ISAs, and inline functions from shared headers could be merged across
// them by the linker (an AVX-512 copy of std::min called from the portable path).
#ifndef HEED_GEMM_KERNELS_H
#define HEED_GEMM_KERNELS_H
#include <stdint.h>

namespace heed {

typedef void (*MicroKernel)(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc,
                            int rows, int cols, int accumulate);

// Optional: packs a full panel of a transposed B (nr columns, each a row of ldb floats in
// memory, starting at column p0 = src) over kc steps into pb[p * nr + j]; null = generic code.
typedef void (*PackTransposedB)(const float* src, int64_t ldb, int64_t kc, float* pb);

struct KernelDesc {
  const char* name;
  int mr;
  int nr;
  MicroKernel fn;
  PackTransposedB pack_bt;  // may be null (zero-initialised when a descriptor omits it)
};

// Each returns its kernel; the driver decides (at run time) which ones the CPU can run.
const KernelDesc* kernel_scalar();
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define HEED_GEMM_X86 1
const KernelDesc* kernel_avx2();
const KernelDesc* kernel_avx512();
#endif

}  // namespace heed
#endif
