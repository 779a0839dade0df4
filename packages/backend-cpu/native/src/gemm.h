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
/** Stops and joins the pool's threads (they restart on the next call). */
void shutdown_pool();

}  // namespace heed
#endif
