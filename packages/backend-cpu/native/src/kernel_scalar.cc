// Portable micro-kernel (4 x 16): plain loops the compiler may auto-vectorize for the
// baseline ISA (SSE2 on x86-64, NEON on arm64). Used on non-x86 machines and on x86
// CPUs without AVX2/FMA.
#include "kernels.h"

namespace heed {
namespace {

constexpr int MR = 4;
constexpr int NR = 16;

// GCC/clang vector extension: 4-wide float vectors the compiler maps to SSE / NEON (or
// scalar code elsewhere), 16 accumulators kept in registers.
typedef float v4 __attribute__((vector_size(16)));

void kernel(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int rows, int cols,
            int accumulate) {
  constexpr int NV = NR / 4;
  v4 acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = v4{0, 0, 0, 0};
  for (int64_t p = 0; p < kc; ++p) {
    const float* a = pa + p * MR;
    v4 b[NV];
    __builtin_memcpy(b, pb + p * NR, sizeof b);
    for (int i = 0; i < MR; ++i) {
      const v4 ai = v4{a[i], a[i], a[i], a[i]};
      for (int v = 0; v < NV; ++v) acc[i][v] += ai * b[v];
    }
  }
  for (int i = 0; i < rows; ++i) {
    float out[NR];
    __builtin_memcpy(out, acc[i], sizeof out);
    float* ci = c + i * ldc;
    if (accumulate) {
      for (int j = 0; j < cols; ++j) ci[j] += out[j];
    } else {
      for (int j = 0; j < cols; ++j) ci[j] = out[j];
    }
  }
}

const KernelDesc desc = {"scalar", MR, NR, kernel};

}  // namespace

const KernelDesc* kernel_scalar() { return &desc; }

}  // namespace heed
