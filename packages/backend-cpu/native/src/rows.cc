// Row and elementwise kernels on the vector math of vmath.h (one target_clones build per
// ISA): the attention softmax and the GELU gradient, the two transcendental-heavy passes
// left outside the GEMMs in Transformer training.
#include "rows.h"

#include <cstddef>
#include <vector>

#include "vmath.h"

namespace heed {
namespace {

using vmath::vf;
using vmath::W;

inline vf ld(const float* p, int64_t n, float fill) {
  if (n == W) return vmath::load(p);
  float tmp[W];
  for (int64_t i = 0; i < W; ++i) tmp[i] = i < n ? p[i] : fill;
  return vmath::load(tmp);
}

inline void st(float* p, vf v, int64_t n) { vmath::store_upto(p, v, n); }

inline float hmax(vf v) {
  float m = v[0];
  for (int i = 1; i < W; ++i) m = v[i] > m ? v[i] : m;
  return m;
}

inline float hsum(vf v) {
  float s = 0;
  for (int i = 0; i < W; ++i) s += v[i];
  return s;
}

}  // namespace

HEED_CLONES void softmax_rows(float* x, int64_t rows, int64_t cols, float scale) {
  const float ninf = -__builtin_inff();
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    vf mv = vmath::splat(ninf);
    for (int64_t j = 0; j < cols; j += W) {
      const vf v = ld(row + j, cols - j < W ? cols - j : W, ninf);
      mv = vmath::select(v > mv, v, mv);
    }
    const float m = hmax(mv);
    if (m == ninf) {  // fully masked row: zeros
      for (int64_t j = 0; j < cols; ++j) row[j] = 0.0f;
      continue;
    }
    const vf ms = vmath::splat(m * scale);
    vf sv = vmath::splat(0.0f);
    for (int64_t j = 0; j < cols; j += W) {
      const int64_t n = cols - j < W ? cols - j : W;
      const vf v = ld(row + j, n, ninf);
      // exp(scale·(x − max)); masked entries (−inf) give exactly 0
      const vf e = vmath::select(v == ninf, vmath::splat(0.0f), vmath::exp(v * scale - ms));
      sv += e;  // lanes past the row were loaded as −inf: e = 0 there
      st(row + j, e, n);
    }
    const vf inv = vmath::splat(1.0f / hsum(sv));
    for (int64_t j = 0; j < cols; j += W) {
      const int64_t n = cols - j < W ? cols - j : W;
      st(row + j, ld(row + j, n, 0.0f) * inv, n);
    }
  }
}

HEED_CLONES void gelu_backward(const float* x, const float* dy, float* out, int64_t n, bool tanh_form) {
  const float inv_sqrt_2pi = 0.3989422804014327f;
  const float k = 0.7978845608028654f;  // √(2/π)
  for (int64_t i = 0; i < n; i += W) {
    const int64_t m = n - i < W ? n - i : W;
    const vf v = ld(x + i, m, 0.0f);
    vf d;
    if (tanh_form) {
      const vf v2 = v * v;
      const vf t = vmath::tanh(k * (v + 0.044715f * v * v2));
      d = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * (k * (1.0f + 3.0f * 0.044715f * v2));
    } else {
      // Φ(v) from Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7), sharing exp(−v²/2) with φ(v)
      const vf z = vmath::select(v < 0.0f, -v, v) * 0.7071067811865476f;
      const vf e = vmath::exp(-0.5f * v * v);
      const vf t = 1.0f / (1.0f + 0.3275911f * z);
      const vf tail = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))) * e;
      const vf cdf = vmath::select(v >= 0.0f, 1.0f - 0.5f * tail, 0.5f * tail);
      d = cdf + v * e * inv_sqrt_2pi;
    }
    st(out + i, ld(dy + i, m, 0.0f) * d, m);
  }
}

HEED_CLONES void layer_norm_rows(const float* x, const float* gamma, const float* beta, float* out, int64_t rows, int64_t cols, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = out + r * cols;
    vf sv = vmath::splat(0.0f);
    for (int64_t j = 0; j < cols; j += W) sv += ld(xr + j, cols - j < W ? cols - j : W, 0.0f);
    const float mean = hsum(sv) / static_cast<float>(cols);
    const vf mv = vmath::splat(mean);
    vf qv = vmath::splat(0.0f);
    for (int64_t j = 0; j < cols; j += W) {
      const int64_t n = cols - j < W ? cols - j : W;
      const vf c = ld(xr + j, n, mean) - mv;  // lanes past the row load the mean: 0 here
      qv += c * c;
    }
    const float rstd = 1.0f / __builtin_sqrtf(hsum(qv) / static_cast<float>(cols) + eps);
    const vf rv = vmath::splat(rstd);
    for (int64_t j = 0; j < cols; j += W) {
      const int64_t n = cols - j < W ? cols - j : W;
      st(yr + j, (ld(xr + j, n, 0.0f) - mv) * rv * ld(gamma + j, n, 0.0f) + ld(beta + j, n, 0.0f), n);
    }
  }
}

HEED_CLONES void gelu_forward(const float* x, float* out, int64_t n, bool tanh_form) {
  const float k = 0.7978845608028654f;  // √(2/π)
  for (int64_t i = 0; i < n; i += W) {
    const int64_t m = n - i < W ? n - i : W;
    const vf v = ld(x + i, m, 0.0f);
    vf y;
    if (tanh_form) {
      y = 0.5f * v * (1.0f + vmath::tanh(k * (v + 0.044715f * v * v * v)));
    } else {
      const vf z = vmath::select(v < 0.0f, -v, v) * 0.7071067811865476f;
      const vf e = vmath::exp(-0.5f * v * v);
      const vf t = 1.0f / (1.0f + 0.3275911f * z);
      const vf tail = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))) * e;
      y = v * vmath::select(v >= 0.0f, 1.0f - 0.5f * tail, 0.5f * tail);
    }
    st(out + i, y, m);
  }
}

HEED_CLONES void layer_norm_backward(const float* x, const float* gamma, const float* dy, float* dx, float* dgamma, float* dbeta, int64_t rows,
                                     int64_t cols, float eps) {
  // dγ, dβ accumulate over rows in double (as the composite's reductions do).
  std::vector<double> dg(static_cast<std::size_t>(cols), 0.0), db(static_cast<std::size_t>(cols), 0.0);
  const float inv_n = 1.0f / static_cast<float>(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float* gr = dy + r * cols;
    float* dr = dx + r * cols;
    vf sv = vmath::splat(0.0f);
    for (int64_t j = 0; j < cols; j += W) sv += ld(xr + j, cols - j < W ? cols - j : W, 0.0f);
    const float mean = hsum(sv) * inv_n;
    const vf mv = vmath::splat(mean);
    vf qv = vmath::splat(0.0f);
    for (int64_t j = 0; j < cols; j += W) {
      const vf c = ld(xr + j, cols - j < W ? cols - j : W, mean) - mv;
      qv += c * c;
    }
    const vf rv = vmath::splat(1.0f / __builtin_sqrtf(hsum(qv) * inv_n + eps));
    vf s1 = vmath::splat(0.0f), s2 = vmath::splat(0.0f);
    for (int64_t j = 0; j < cols; j += W) {
      const int64_t n = cols - j < W ? cols - j : W;
      const vf xhat = (ld(xr + j, n, mean) - mv) * rv;  // 0 past the row
      const vf g = ld(gr + j, n, 0.0f);
      const vf dxhat = g * ld(gamma + j, n, 0.0f);
      st(dr + j, dxhat, n);  // kept (rounded) for the last pass: no fused multiply-add there
      const vf gx = g * xhat;
      for (int64_t q = 0; q < n; ++q) {
        dg[j + q] += gx[q];
        db[j + q] += g[q];
      }
      s1 += dxhat;
      s2 += dxhat * xhat;
    }
    const vf m1 = vmath::splat(hsum(s1) * inv_n), m2 = vmath::splat(hsum(s2) * inv_n);
    for (int64_t j = 0; j < cols; j += W) {
      const int64_t n = cols - j < W ? cols - j : W;
      const vf xhat = (ld(xr + j, n, mean) - mv) * rv;
      st(dr + j, rv * (ld(dr + j, n, 0.0f) - m1 - xhat * m2), n);
    }
  }
  for (int64_t j = 0; j < cols; ++j) {
    dgamma[j] = static_cast<float>(dg[j]);
    dbeta[j] = static_cast<float>(db[j]);
  }
}

HEED_CLONES void adam_step(const float* p, const float* g, const float* m, const float* v, float* p2, float* m2, float* v2, int64_t n, double lr,
                           double beta1, double beta2, double eps, double c1, double c2, double weight_decay) {
  // Double precision inside, as the JS kernel (same rounding of the results).
  const double ic1 = 1.0 / c1, ic2 = 1.0 / c2, decay = 1.0 - lr * weight_decay, b1c = 1.0 - beta1, b2c = 1.0 - beta2;
  for (int64_t i = 0; i < n; ++i) {
    const double gi = g[i];
    const double mi = beta1 * m[i] + b1c * gi;
    const double vi = beta2 * v[i] + b2c * gi * gi;
    const double pi = p[i] * decay - (lr * (mi * ic1)) / (__builtin_sqrt(vi * ic2) + eps);
    m2[i] = static_cast<float>(mi);
    v2[i] = static_cast<float>(vi);
    p2[i] = static_cast<float>(pi);
  }
}

void transpose_2d(const float* x, float* out, int64_t batch, int64_t rows, int64_t cols) {
  const int64_t B = 32;
  for (int64_t b = 0; b < batch; ++b) {
    const float* xb = x + b * rows * cols;
    float* ob = out + b * rows * cols;
    for (int64_t r0 = 0; r0 < rows; r0 += B) {
      const int64_t r1 = r0 + B < rows ? r0 + B : rows;
      for (int64_t c0 = 0; c0 < cols; c0 += B) {
        const int64_t c1 = c0 + B < cols ? c0 + B : cols;
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t r = r0; r < r1; ++r) ob[c * rows + r] = xb[r * cols + c];
      }
    }
  }
}

HEED_CLONES void sum_rows(const float* x, float* out, int64_t rows, int64_t cols) {
  std::vector<double> acc(static_cast<std::size_t>(cols), 0.0);
  double* a = acc.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    for (int64_t j = 0; j < cols; ++j) a[j] += xr[j];
  }
  for (int64_t j = 0; j < cols; ++j) out[j] = static_cast<float>(a[j]);
}

}  // namespace heed
