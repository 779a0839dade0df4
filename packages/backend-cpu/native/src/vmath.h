// Float exp / sigmoid / tanh on 16-lane GCC/clang vector-extension types: the compiler maps
// them to zmm, 2 ymm or 4 xmm registers depending on the ISA the caller is compiled for
// (the callers use target_clones). exp: Cephes-style range reduction x = n·ln2 + r,
// |r| <= ln2/2, degree-6 polynomial, relative error ~1e-7 over the clamped range
// [-87.3, 88.7]. tanh: a minimax polynomial below |x| = 0.625 (Cephes tanhf),
// 1 − 2/(e^{2|x|} + 1) above, so small arguments keep their relative accuracy.
#ifndef HEED_VMATH_H
#define HEED_VMATH_H
#include <stdint.h>

// Kernels built once per ISA (AVX-512, AVX2, baseline) and chosen at load time.
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define HEED_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HEED_CLONES
#endif

namespace heed {
namespace vmath {

typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
constexpr int W = 16;

static inline vf splat(float v) { return vf{} + v; }

static inline vf select(vi mask, vf a, vf b) {
  return reinterpret_cast<vf>((mask & reinterpret_cast<vi>(a)) | (~mask & reinterpret_cast<vi>(b)));
}

static inline vf exp(vf x) {
  x = select(x < -87.3f, splat(-87.3f), x);
  x = select(x > 88.7f, splat(88.7f), x);
  // n = round(x·log2 e) (the sum is positive: truncation is floor)
  const vi n = __builtin_convertvector(x * 1.44269504088896341f + 256.5f, vi) - 256;
  const vf fn = __builtin_convertvector(n, vf);
  vf r = x - fn * 0.693359375f;
  r = r + fn * 2.12194440e-4f;
  vf p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  return p * reinterpret_cast<vf>((n + 127) << 23);
}

static inline vf sigmoid(vf x) { return 1.0f / (1.0f + exp(-x)); }

static inline vf tanh(vf x) {
  const vf ax = select(x < 0.0f, -x, x);
  const vf z = x * x;
  vf p = splat(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const vf small = x + x * z * p;
  vf big = 1.0f - 2.0f / (exp(ax + ax) + 1.0f);
  big = select(x < 0.0f, -big, big);
  return select(ax < 0.625f, small, big);
}

static inline vf load(const float* p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

static inline void store(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }

/** Loads n < W floats (zeros after them). */
static inline vf load_n(const float* p, int64_t n) {
  float tmp[W] = {};
  for (int64_t i = 0; i < n; ++i) tmp[i] = p[i];
  return load(tmp);
}

/** Stores the first n < W lanes. */
static inline void store_n(float* p, vf v, int64_t n) {
  float tmp[W];
  store(tmp, v);
  for (int64_t i = 0; i < n; ++i) p[i] = tmp[i];
}

/** Stores n <= W floats: a whole vector when n == W, else the first n lanes. */
static inline void store_upto(float* p, vf v, int64_t n) {
  if (n == W) store(p, v);
  else store_n(p, v, n);
}

}  // namespace vmath
}  // namespace heed
#endif
