// AVX-512F micro-kernel: 14 x 32 tile, 28 zmm accumulators, each B row loaded as 2 zmm,
// A elements broadcast straight from memory into the FMAs ({1to16}). Column edges use
// write masks. Compiled for AVX-512F through a target pragma: only called after the driver
// checked the CPU (and the OS's zmm state support) at run time.
#include "kernels.h"

#ifdef HEED_GEMM_X86
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#include <immintrin.h>

namespace heed {
namespace {

constexpr int MR = 14;
constexpr int NR = 32;

template <int R>
void tile(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int cols, int accumulate) {
  __m512 c0[R], c1[R];
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) c0[i] = c1[i] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(pb);
    const __m512 b1 = _mm512_load_ps(pb + 16);
    _mm_prefetch(reinterpret_cast<const char*>(pb + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      const __m512 a = _mm512_set1_ps(pa[i]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
    pa += MR;
    pb += NR;
  }
  const __mmask16 m0 = cols >= 16 ? 0xffff : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? 0xffff : cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1);
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
    if (accumulate) {
      c0[i] = _mm512_add_ps(c0[i], _mm512_maskz_loadu_ps(m0, ci));
      c1[i] = _mm512_add_ps(c1[i], _mm512_maskz_loadu_ps(m1, ci + 16));
    }
    _mm512_mask_storeu_ps(ci, m0, c0[i]);
    _mm512_mask_storeu_ps(ci + 16, m1, c1[i]);
  }
}

void kernel(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int rows, int cols,
            int accumulate) {
  switch (rows) {
    case 14: tile<14>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 13: tile<13>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 12: tile<12>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 11: tile<11>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 10: tile<10>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 9: tile<9>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 8: tile<8>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 7: tile<7>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 6: tile<6>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 5: tile<5>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 4: tile<4>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 3: tile<3>(kc, pa, pb, c, ldc, cols, accumulate); break;
    case 2: tile<2>(kc, pa, pb, c, ldc, cols, accumulate); break;
    default: tile<1>(kc, pa, pb, c, ldc, cols, accumulate); break;
  }
}

// Packs 32 columns of a transposed B with gathers: one 16-lane gather per half row of the
// panel (the columns are rows of B in memory, ldb apart), instead of 32 scalar loads.
void pack_bt(const float* src, int64_t ldb, int64_t kc, float* pb) {
  const __m512i idx = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(static_cast<int>(ldb)));
  const float* hi = src + 16 * ldb;
  for (int64_t p = 0; p < kc; ++p, pb += NR) {
    _mm512_store_ps(pb, _mm512_i32gather_ps(idx, src + p, 4));
    _mm512_store_ps(pb + 16, _mm512_i32gather_ps(idx, hi + p, 4));
  }
}

const KernelDesc desc = {"avx512", MR, NR, kernel, pack_bt};

}  // namespace

const KernelDesc* kernel_avx512() { return &desc; }

}  // namespace heed
#pragma GCC pop_options
#endif
