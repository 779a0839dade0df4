// Native sgemm driver: Goto/BLIS-style blocking over packed panels, run by a persistent pool.
//
// Per product (batches are folded into rows when A is contiguous and B broadcast):
//   for jc in n step NC          B block: all of k x NC columns, packed (k block by k block)
//     for ic in m step MC        A block: MC rows x all of k, packed
//       pack phase     tasks: B micro-panels (first ic only), A micro-panels
//       compute phase  tasks: tiles of up to MT x NT of C
//         in a tile: for pc in k step KC (accumulate after the first):
//                      for each A micro-panel (MR x KC, stays in L1):
//                        for each B micro-panel of the tile (KC x NR; the tile's KC x NT
//                        part of B stays in L2): micro-kernel MR x NR
// NC and MC are the whole dimensions unless a packed block would exceed 32 MiB, so a
// typical product is one pack phase and one compute phase. Tasks are claimed dynamically
// from one ticket counter; a phase starts when the tasks before it are done (no barrier:
// a worker that wakes late or is preempted is not waited for unless it holds a task).
#include "gemm.h"

#include <algorithm>
#include <cstdint>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HEED_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define HEED_PAUSE() __asm__ __volatile__("yield")
#else
#define HEED_PAUSE() ((void)0)
#endif

#include "kernels.h"

namespace heed {

// ---------------------------------------------------------------------------------------
// Kernels and CPU features
// ---------------------------------------------------------------------------------------

const char* kernel_name(int id) {
  switch (id) {
    case KERNEL_AVX512: return "avx512";
    case KERNEL_AVX2: return "avx2";
    default: return "scalar";
  }
}

bool kernel_supported(int id) {
  switch (id) {
    case KERNEL_SCALAR: return true;
#ifdef HEED_GEMM_X86
    // libgcc's cpu model also checks that the OS saves the ymm / zmm state (XGETBV).
    case KERNEL_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case KERNEL_AVX512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    default: return false;
  }
}

int best_kernel() {
  for (int id = KERNEL_COUNT - 1; id > 0; --id)
    if (kernel_supported(id)) return id;
  return KERNEL_SCALAR;
}

static const KernelDesc* kernel_desc(int id) {
#ifdef HEED_GEMM_X86
  if (id == KERNEL_AVX512) return kernel_avx512();
  if (id == KERNEL_AVX2) return kernel_avx2();
#endif
  (void)id;
  return kernel_scalar();
}

int hardware_threads() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

// ---------------------------------------------------------------------------------------
// Thread pool: persistent workers; a job runs on the caller (thread 0) and workers 1..T-1.
// ---------------------------------------------------------------------------------------

using JobFn = void (*)(void* ctx, int tid);

// Spins (then yields) until pred() holds: used inside a job, where all threads are busy.
template <typename Pred>
static void spin_until(Pred pred) {
  for (int i = 0; !pred(); ++i) {
    if (i < 4096) HEED_PAUSE();
    else std::this_thread::yield();
  }
}

class Pool {
 public:
  // Runs fn(ctx, tid) on the caller (tid 0) and on the workers 1..threads-1 that wake up in
  // time; fn must return on the caller only when the whole job is done (workers that join
  // late find no work left). Returns when no worker is inside fn any more.
  void run(JobFn fn, void* ctx, int threads) {
    if (threads <= 1) {
      fn(ctx, 0);
      return;
    }
    ensure_workers(threads - 1);
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_ = fn;
      ctx_ = ctx;
      participants_ = threads;
      open_.store(true, std::memory_order_seq_cst);
      generation_.fetch_add(1, std::memory_order_seq_cst);
    }
    cv_.notify_all();
    fn(ctx, 0);
    // Close the job; a worker that registered before the close is waited for, one that
    // registers after it sees the job closed and leaves without touching it (Dekker-style,
    // both sides sequentially consistent).
    open_.store(false, std::memory_order_seq_cst);
    spin_until([&] { return active_.load(std::memory_order_seq_cst) == 0; });
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_ = false;
  }

 private:
  void ensure_workers(int count) {
    while (static_cast<int>(workers_.size()) < count) {
      const int tid = static_cast<int>(workers_.size()) + 1;
      // The generation before the job that follows: the worker must not miss that job.
      const uint64_t seen = generation_.load(std::memory_order_acquire);
      workers_.emplace_back([this, tid, seen] { loop(tid, seen); });
    }
  }

  void loop(int tid, uint64_t seen) {
    for (;;) {
      // Spin briefly for the next job (back-to-back calls), then sleep on the condvar.
      uint64_t g = seen;
      for (int i = 0; i < 20000 && (g = generation_.load(std::memory_order_acquire)) == seen; ++i) HEED_PAUSE();
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      bool stop;
      {
        std::lock_guard<std::mutex> lock(mu_);
        stop = stop_;
      }
      if (stop) return;
      active_.fetch_add(1, std::memory_order_seq_cst);
      if (open_.load(std::memory_order_seq_cst)) {
        // The job is open and cannot close before active_ drops: its fields are stable.
        JobFn fn;
        void* ctx;
        int participants;
        {
          std::lock_guard<std::mutex> lock(mu_);
          fn = fn_;
          ctx = ctx_;
          participants = participants_;
        }
        if (tid < participants) fn(ctx, tid);
      }
      active_.fetch_sub(1, std::memory_order_seq_cst);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0};  // workers inside a job
  std::atomic<bool> open_{false};
  JobFn fn_ = nullptr;
  void* ctx_ = nullptr;
  int participants_ = 0;
  bool stop_ = false;
};

// Never destroyed: worker threads must not be joined by a static destructor at exit.
static Pool* pool() {
  static Pool* p = new Pool();
  return p;
}

// ---------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------

// Packs rows [i0, i0+rows) x cols [p0, p0+kc) of op(A) into pa[p*mr + i], zero padding to mr.
static void pack_a(const float* a, int64_t m, int64_t k, bool trans, int64_t i0, int rows, int64_t p0,
                   int64_t kc, int mr, float* pa) {
  if (!trans) {
    // op(A)[i][p] = a[i*k + p]
    if (rows == mr) {
      const float* src[32];
      for (int i = 0; i < mr; ++i) src[i] = a + (i0 + i) * k + p0;
      for (int64_t p = 0; p < kc; ++p, pa += mr)
        for (int i = 0; i < mr; ++i) pa[i] = src[i][p];
    } else {
      for (int64_t p = 0; p < kc; ++p, pa += mr) {
        int i = 0;
        for (; i < rows; ++i) pa[i] = a[(i0 + i) * k + p0 + p];
        for (; i < mr; ++i) pa[i] = 0.0f;
      }
    }
  } else {
    // A stored k x m: op(A)[i][p] = a[p*m + i]
    for (int64_t p = 0; p < kc; ++p, pa += mr) {
      const float* src = a + (p0 + p) * m + i0;
      int i = 0;
      for (; i < rows; ++i) pa[i] = src[i];
      for (; i < mr; ++i) pa[i] = 0.0f;
    }
  }
}

// Packs rows [p0, p0+kc) x cols [j0, j0+cols) of op(B) into pb[p*nr + j], zero padding to nr.
static void pack_b(const float* b, int64_t n, int64_t k, bool trans, int64_t j0, int cols, int64_t p0,
                   int64_t kc, int nr, float* pb, const KernelDesc* kd) {
  if (trans && cols == nr && kd->pack_bt && 16 * k <= INT32_MAX / 2) {
    kd->pack_bt(b + j0 * k + p0, k, kc, pb);
    return;
  }
  if (!trans) {
    // op(B)[p][j] = b[p*n + j]
    for (int64_t p = 0; p < kc; ++p, pb += nr) {
      const float* src = b + (p0 + p) * n + j0;
      std::memcpy(pb, src, sizeof(float) * cols);
      for (int j = cols; j < nr; ++j) pb[j] = 0.0f;
    }
  } else {
    // B stored n x k: op(B)[p][j] = b[j*k + p]
    if (cols == nr) {
      const float* src[64];
      for (int j = 0; j < nr; ++j) src[j] = b + (j0 + j) * k + p0;
      for (int64_t p = 0; p < kc; ++p, pb += nr)
        for (int j = 0; j < nr; ++j) pb[j] = src[j][p];
    } else {
      for (int64_t p = 0; p < kc; ++p, pb += nr) {
        int j = 0;
        for (; j < cols; ++j) pb[j] = b[(j0 + j) * k + p0 + p];
        for (; j < nr; ++j) pb[j] = 0.0f;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// The job
// ---------------------------------------------------------------------------------------

// Blocking parameters (elements). KC: one A micro-panel (14 x 256 floats = 14 KiB) stays in
// L1 while a tile's B part (KC x NT) streams from L2. A block holds up to BLOCK_FLOATS
// packed floats of A (MC rows x all of k) and of B (all of k x NC columns): all k blocks
// are packed in one phase, so that one product is a pack phase and a compute phase with
// dynamically claimed tiles: few synchronization points, which matters when the cores are
// shared and a thread may be preempted.
static const int64_t KC = 256;
static const int64_t BLOCK_FLOATS = int64_t(1) << 23;  // 32 MiB per packed operand block
static const int64_t NT_MAX = 512;  // tile columns: a KC x NT block of B is 512 KiB (L2)
static const int64_t MT_MAX = 224;  // tile rows

struct AlignedBuffer {
  float* data = nullptr;
  size_t capacity = 0;  // floats
  float* get(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      size_t bytes = ((floats * sizeof(float)) + 63) / 64 * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      capacity = data ? floats : 0;
      if (!data) throw std::bad_alloc();
    }
    return data;
  }
};

struct Job {
  SgemmCall call;
  const KernelDesc* kd;
  int threads;
  int64_t nc, mc;  // block sizes (multiples of nr / mr unless the whole dimension)
  float* pa;       // packed A block: panel p, k block q at pa + p*mr*k + q*KC*mr
  float* pb;       // packed B block: panel p, k block q at pb + p*nr*k + q*KC*nr
  bool b_packed = false;   // pb holds all of op(B), packed beforehand (nc == n): no B packing tasks
  bool accumulate = false; // C += op(A)·op(B) instead of C = …
  alignas(64) std::atomic<int64_t> next{0};  // tickets: the job's tasks, phase after phase
  alignas(64) std::atomic<int64_t> done{0};  // tasks completed
  int64_t total = 0;                          // tasks in all (set by the caller's walk)
};

static void run_job(void* ctx, int tid) {
  Job& job = *static_cast<Job*>(ctx);
  const SgemmCall& x = job.call;
  const int mr = job.kd->mr, nr = job.kd->nr;
  const MicroKernel kernel = job.kd->fn;
  const int T = job.threads;
  const int64_t K = x.k;
  // Tasks are numbered phase after phase (every thread walks the same loop nest, so the
  // numbering is the same everywhere) and claimed from one counter in increasing order. A
  // task of a phase starting at ticket `base` runs once all tickets below `base` are done
  // (its phase's inputs are packed, or the buffers it overwrites are no longer read). No
  // barrier: a thread that wakes late or is preempted holds no tickets, so nobody waits for
  // it; the caller returns once every task is done.
  int64_t base = 0;
  int64_t ticket = -1;  // claimed, not yet run
  auto claim_loop = [&](int64_t tasks, auto&& body) {
    const int64_t start = base, end = base + tasks;
    base = end;
    for (;;) {
      if (ticket < 0) ticket = job.next.fetch_add(1, std::memory_order_relaxed);
      if (ticket >= end) return;  // belongs to a later phase (or past the last one)
      if (job.done.load(std::memory_order_acquire) < start)
        spin_until([&] { return job.done.load(std::memory_order_acquire) >= start; });
      body(ticket - start);
      job.done.fetch_add(1, std::memory_order_acq_rel);
      ticket = -1;
    }
  };

  // Packs one micro-panel over all of k (k block by k block, each block contiguous).
  auto pack_a_panel = [&](const float* A, int64_t i0, int rows, float* dst) {
    for (int64_t pc = 0; pc < K; pc += KC) pack_a(A, x.m, K, x.trans_a, i0, rows, pc, std::min(KC, K - pc), mr, dst + pc * mr);
  };
  auto pack_b_panel = [&](const float* B, int64_t j0, int cols, float* dst) {
    for (int64_t pc = 0; pc < K; pc += KC) pack_b(B, x.n, K, x.trans_b, j0, cols, pc, std::min(KC, K - pc), nr, dst + pc * nr, job.kd);
  };

  for (int64_t bi = 0; bi < x.batch; ++bi) {
    const float* A = x.a + bi * x.a_stride;
    const float* B = x.b + bi * x.b_stride;
    float* C = x.c + bi * x.m * x.n;
    // B packed for this product already (broadcast B, one column block): skip repacking.
    const bool b_reuse = job.b_packed || (bi > 0 && x.b_stride == 0 && job.nc >= x.n);
    for (int64_t jc = 0; jc < x.n; jc += job.nc) {
      const int64_t nc = std::min(job.nc, x.n - jc);
      const int64_t npb = (nc + nr - 1) / nr;
      for (int64_t ic = 0; ic < x.m; ic += job.mc) {
        const int64_t mc = std::min(job.mc, x.m - ic);
        const int64_t npa = (mc + mr - 1) / mr;
        const int64_t nb_tasks = ic == 0 && !b_reuse ? npb : 0;
        // Pack phase: the B block (once per column block) and the A block, all of k.
        claim_loop(nb_tasks + npa, [&](int64_t t) {
          if (t < nb_tasks) {
            pack_b_panel(B, jc + t * nr, static_cast<int>(std::min<int64_t>(nr, nc - t * nr)), job.pb + t * nr * K);
          } else {
            const int64_t p = t - nb_tasks;
            pack_a_panel(A, ic + p * mr, static_cast<int>(std::min<int64_t>(mr, mc - p * mr)), job.pa + p * mr * K);
          }
        });
        // Compute phase: tiles of mt x nt panels, enough of them to balance the threads.
        int64_t mt_panels = std::min<int64_t>(npa, MT_MAX / mr);
        int64_t nt_panels = std::min<int64_t>(npb, NT_MAX / nr);
        if (T > 1) {
          auto tiles = [&] { return ((npa + mt_panels - 1) / mt_panels) * ((npb + nt_panels - 1) / nt_panels); };
          while (tiles() < 4 * T) {
            if (nt_panels >= 4) nt_panels = (nt_panels + 1) / 2;
            else if (mt_panels >= 2) mt_panels = (mt_panels + 1) / 2;
            else break;
          }
        }
        // Even out the tiles (no sliver at the end).
        const int64_t tiles_m = (npa + mt_panels - 1) / mt_panels;
        const int64_t tiles_n = (npb + nt_panels - 1) / nt_panels;
        mt_panels = (npa + tiles_m - 1) / tiles_m;
        nt_panels = (npb + tiles_n - 1) / tiles_n;
        claim_loop(tiles_m * tiles_n, [&](int64_t t) {
          const int64_t tn = t / tiles_m, tm = t % tiles_m;  // consecutive tasks share B
          const int64_t pa0 = tm * mt_panels, pa1 = std::min(npa, pa0 + mt_panels);
          const int64_t pb0 = tn * nt_panels, pb1 = std::min(npb, pb0 + nt_panels);
          for (int64_t pc = 0; pc < K; pc += KC) {
            const int64_t kc = std::min(KC, K - pc);
            const int accumulate = pc > 0 || job.accumulate;
            for (int64_t p = pa0; p < pa1; ++p) {
              const int64_t i = p * mr;
              const int rows = static_cast<int>(std::min<int64_t>(mr, mc - i));
              const float* pap = job.pa + p * mr * K + pc * mr;
              float* crow = C + (ic + i) * x.n + jc;
              for (int64_t q = pb0; q < pb1; ++q) {
                const int64_t j = q * nr;
                const int cols = static_cast<int>(std::min<int64_t>(nr, nc - j));
                kernel(kc, pap, job.pb + q * nr * K + pc * nr, crow + j, x.n, rows, cols, accumulate);
              }
            }
          }
          if (x.bias) {
            // Epilogue: the tile is finished and still in cache; add the bias to its rows.
            const int64_t i0 = pa0 * mr, i1 = std::min(mc, pa1 * mr);
            const int64_t j0 = pb0 * nr, j1 = std::min(nc, pb1 * nr);
            const float* bj = x.bias + jc;
            for (int64_t i = i0; i < i1; ++i) {
              float* crow = C + (ic + i) * x.n + jc;
              for (int64_t j = j0; j < j1; ++j) crow[j] += bj[j];
            }
          }
        });
      }
    }
  }
  if (tid == 0) {
    // The caller's walk counted every task: wait for the ones other threads still run.
    job.total = base;
    if (job.done.load(std::memory_order_acquire) < base)
      spin_until([&] { return job.done.load(std::memory_order_acquire) >= base; });
  }
}

static std::mutex g_call_mutex;  // one product at a time (the buffers and the pool are shared)
static AlignedBuffer g_pa, g_pb;

static void run_sgemm(const SgemmCall& in, int kernel_id, int threads, const PackedB* packed, bool accumulate) {
  SgemmCall x = in;
  if (x.batch <= 0 || x.m <= 0 || x.n <= 0) return;
  if (x.k <= 0) {
    if (!accumulate) std::memset(x.c, 0, sizeof(float) * x.batch * x.m * x.n);
    if (x.bias)
      for (int64_t r = 0; r < x.batch * x.m; ++r)
        for (int64_t j = 0; j < x.n; ++j) x.c[r * x.n + j] += x.bias[j];
    return;
  }
  // A[b] contiguous after each other and B broadcast: one (batch*m) x k product.
  if (x.batch > 1 && !x.trans_a && x.b_stride == 0 && x.a_stride == x.m * x.k) {
    x.m *= x.batch;
    x.batch = 1;
  }
  if (packed) kernel_id = packed->kernel;
  if (kernel_id < 0 || !kernel_supported(kernel_id)) kernel_id = best_kernel();
  const KernelDesc* kd = kernel_desc(kernel_id);

  // Threads: about 2^18 multiply-adds per thread at least.
  const double work = static_cast<double>(x.batch) * x.m * x.n * x.k;
  int T = std::max(1, threads);
  T = static_cast<int>(std::min<double>(T, std::max(1.0, work / (1 << 18))));

  std::lock_guard<std::mutex> lock(g_call_mutex);
  Job job;
  job.call = x;
  job.kd = kd;
  job.threads = T;
  job.accumulate = accumulate;
  // Block sizes: whole dimensions when they fit BLOCK_FLOATS, else multiples of the panels.
  const int64_t nc_fit = std::max<int64_t>(1, BLOCK_FLOATS / (x.k * kd->nr)) * kd->nr;
  const int64_t mc_fit = std::max<int64_t>(1, BLOCK_FLOATS / (x.k * kd->mr)) * kd->mr;
  job.nc = packed ? x.n : x.n <= nc_fit ? x.n : nc_fit;
  job.mc = x.m <= mc_fit ? x.m : mc_fit;
  job.pa = g_pa.get(static_cast<size_t>((job.mc + kd->mr - 1) / kd->mr * kd->mr * x.k));
  if (packed) {
    job.pb = packed->data;
    job.b_packed = true;
  } else {
    job.pb = g_pb.get(static_cast<size_t>((job.nc + kd->nr - 1) / kd->nr * kd->nr * x.k));
  }
  pool()->run(run_job, &job, T);
}

void sgemm(const SgemmCall& in, int kernel_id, int threads) { run_sgemm(in, kernel_id, threads, nullptr, false); }

void sgemm_ex(const SgemmCall& call, int kernel_id, int threads, bool accumulate) {
  run_sgemm(call, kernel_id, threads, nullptr, accumulate);
}

PackedB::~PackedB() {
  if (owned) std::free(data);
}

int64_t packed_b_floats(int64_t k, int64_t n, int kernel_id) {
  if (kernel_id < 0 || !kernel_supported(kernel_id)) kernel_id = best_kernel();
  const KernelDesc* kd = kernel_desc(kernel_id);
  return (n + kd->nr - 1) / kd->nr * kd->nr * k;
}

void PackedB::pack_into(const float* b, int64_t k_, int64_t n_, bool trans, int kernel_id, float* dst) {
  if (kernel_id < 0 || !kernel_supported(kernel_id)) kernel_id = best_kernel();
  const KernelDesc* kd = kernel_desc(kernel_id);
  if (owned) std::free(data);
  owned = false;
  data = dst;
  kernel = kernel_id;
  k = k_;
  n = n_;
  const int64_t panels = (n + kd->nr - 1) / kd->nr;
  for (int64_t p = 0; p < panels; ++p) {
    const int cols = static_cast<int>(std::min<int64_t>(kd->nr, n - p * kd->nr));
    float* out = data + p * kd->nr * k;
    for (int64_t pc = 0; pc < k; pc += KC) pack_b(b, n, k, trans, p * kd->nr, cols, pc, std::min(KC, k - pc), kd->nr, out + pc * kd->nr, kd);
  }
}

bool PackedB::pack(const float* b, int64_t k_, int64_t n_, bool trans, int kernel_id) {
  if (kernel_id < 0 || !kernel_supported(kernel_id)) kernel_id = best_kernel();
  const KernelDesc* kd = kernel_desc(kernel_id);
  std::free(data);
  data = nullptr;
  kernel = kernel_id;
  k = k_;
  n = n_;
  if (k <= 0 || n <= 0) return true;
  const int64_t panels = (n + kd->nr - 1) / kd->nr;
  const size_t bytes = static_cast<size_t>(panels * kd->nr * k * sizeof(float) + 63) / 64 * 64;
  data = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (!data) throw std::bad_alloc();
  for (int64_t p = 0; p < panels; ++p) {
    const int cols = static_cast<int>(std::min<int64_t>(kd->nr, n - p * kd->nr));
    float* dst = data + p * kd->nr * k;
    for (int64_t pc = 0; pc < k; pc += KC) pack_b(b, n, k, trans, p * kd->nr, cols, pc, std::min(KC, k - pc), kd->nr, dst + pc * kd->nr, kd);
  }
  return true;
}

void sgemm_packed(int64_t m, const float* a, bool trans_a, const PackedB& b, float* c, bool accumulate, int threads, const float* bias) {
  if (m <= 0 || b.n <= 0) return;
  SgemmCall call{1, m, b.n, b.k, a, 0, nullptr, 0, trans_a, false, c, bias};
  run_sgemm(call, b.kernel, threads, b.k > 0 ? &b : nullptr, accumulate);
}

void shutdown_pool() {
  std::lock_guard<std::mutex> lock(g_call_mutex);
  pool()->shutdown();
}

}  // namespace heed
