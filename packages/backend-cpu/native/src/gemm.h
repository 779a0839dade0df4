// Driver of the native sgemm: blocking, packing, threading. See gemm.cc.
#ifndef HEED_GEMM_H
#define HEED_GEMM_H
#include <stdint.h>

namespace heed {

struct SgemmCall {
  int64_t batch, m, n, k;
  const float* a;
  int64_t a_stride;  // elements between consecutive A[b]; 0 broadcasts
  const float* b;
  int64_t b_stride;
  bool trans_a, trans_b;
  float* c;  // C[b] at c + b*m*n
  const float* bias = nullptr;  // optional [n], added to every row of every C[b] (fused epilogue)
};

enum KernelId { KERNEL_AUTO = -1, KERNEL_SCALAR = 0, KERNEL_AVX2 = 1, KERNEL_AVX512 = 2, KERNEL_COUNT = 3 };

/** Name of a kernel id ("scalar", "avx2", "avx512"). */
const char* kernel_name(int id);
/** Whether this build and CPU can run the kernel. */
bool kernel_supported(int id);
/** The best supported kernel. */
int best_kernel();
/** Threads the machine offers to this process (affinity-aware). */
int hardware_threads();
/** Computes the product with the kernel and up to `threads` threads (the caller included). */
void sgemm(const SgemmCall& call, int kernel, int threads);
/** Like sgemm; with accumulate, C += op(A)·op(B) (batch products, same checks). */
void sgemm_ex(const SgemmCall& call, int kernel, int threads, bool accumulate);

/** All of op(B) (k x n) packed once for one kernel, to multiply by many A's (recurrent steps). */
struct PackedB {
  int kernel = -1;
  int64_t k = 0, n = 0;
  float* data = nullptr;
  bool owned = true;  // false: `data` belongs to the caller (a JS array), never freed here
  PackedB() = default;
  PackedB(const PackedB&) = delete;
  PackedB& operator=(const PackedB&) = delete;
  ~PackedB();
  /** Packs b (k x n, or n x k stored when trans); throws std::bad_alloc. */
  bool pack(const float* b, int64_t k, int64_t n, bool trans, int kernel);
  /** Packs into caller memory `dst` (64-byte aligned, packed_b_floats(k, n, kernel) floats). */
  void pack_into(const float* b, int64_t k, int64_t n, bool trans, int kernel, float* dst);
};

/** Floats a packed B of k x n takes for `kernel` (panels of nr columns, zero padded). */
int64_t packed_b_floats(int64_t k, int64_t n, int kernel);

/** C (m x b.n, row-major) = (or += with accumulate) op(A) · B for a packed B; A is m x b.k (k x m when trans_a). */
void sgemm_packed(int64_t m, const float* a, bool trans_a, const PackedB& b, float* c, bool accumulate, int threads,
                  const float* bias = nullptr);

/** Stops and joins the pool's threads (they restart on the next call). */
void shutdown_pool();

}  // namespace heed
#endif
