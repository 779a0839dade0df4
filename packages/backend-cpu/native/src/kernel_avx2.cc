// AVX2 + FMA micro-kernel: 6 x 16 tile, 12 ymm accumulators, B rows loaded as 2 ymm,
// A elements broadcast. Compiled for AVX2/FMA through a target pragma: only called after
// the driver checked the CPU at run time.
#include "kernels.h"

#ifdef HEED_GEMM_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

namespace heed {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

inline __m256i lane_mask(int n) {  // lanes [0, n) set, n in [0, 8]
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

template <int R>
void tile(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int cols, int accumulate) {
  __m256 c0[R], c1[R];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) c0[i] = c1[i] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(pb);
    const __m256 b1 = _mm256_load_ps(pb + 8);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      const __m256 a = _mm256_broadcast_ss(pa + i);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
    pa += MR;
    pb += NR;
  }
  if (cols == NR) {
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc;
      if (accumulate) {
        c0[i] = _mm256_add_ps(c0[i], _mm256_loadu_ps(ci));
        c1[i] = _mm256_add_ps(c1[i], _mm256_loadu_ps(ci + 8));
      }
      _mm256_storeu_ps(ci, c0[i]);
      _mm256_storeu_ps(ci + 8, c1[i]);
    }
  } else {
    const __m256i m0 = lane_mask(cols < 8 ? cols : 8);
    const __m256i m1 = lane_mask(cols > 8 ? cols - 8 : 0);
    for (int i = 0; i < R; ++i) {
      float* ci = c + i * ldc;
      if (accumulate) {
        c0[i] = _mm256_add_ps(c0[i], _mm256_maskload_ps(ci, m0));
        c1[i] = _mm256_add_ps(c1[i], _mm256_maskload_ps(ci + 8, m1));
      }
      _mm256_maskstore_ps(ci, m0, c0[i]);
      _mm256_maskstore_ps(ci + 8, m1, c1[i]);
    }
  }
}

void kernel(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int rows, int cols,
            int accumulate) {
  switch (rows) {
    case 6: tile<6>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 5: tile<5>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 4: tile<4>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 3: tile<3>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 2: tile<2>(kc, pa, pb, c, ldc, cols, accumulate); break;
    default: tile<1>(kc, pa, pb, c, ldc, cols, accumulate); break;
  }
}

const KernelDesc desc = {"avx2", MR, NR, kernel};

}  // namespace

const KernelDesc* kernel_avx2() { return &desc; }

}  // namespace heed
#pragma GCC pop_options
#endif
