// Whole-sequence LSTM (gate order i, f, g, o), forward and backward through time.
//
// Forward: one GEMM projects the inputs of every step (X·W, [T·B, 4H]); the recurrent
// weights R are packed once for the sequence; each step adds h_{t-1}·R into its gate rows
// (GEMM accumulating into C) and runs the fused cell update, which leaves the activated
// gates in place for the backward pass. Backward: per step (reversed) the gate gradients
// from dh, dc and the saved activations, then dh_{t-1} = dG_t·Rᵀ (Rᵀ packed once); after
// the loop three GEMMs over all steps give dX = dG·Wᵀ, dW = Xᵀ·dG and dR = H_prevᵀ·dG.
#include "rnn.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "gemm.h"
#include "vmath.h"

namespace heed {
namespace {

using vmath::vf;

// Loads / stores `n` floats: a whole vector when n == W, else the first n lanes.
static inline vf ld(const float* p, int64_t n) { return n == vmath::W ? vmath::load(p) : vmath::load_n(p, n); }
inline void st(float* p, vf v, int64_t n) { vmath::store_upto(p, v, n); }

// One step's cell update for B rows: gates (pre-activations without bias) → activated gates
// in place; c' = f·c + i·g, h' = o·tanh(c').
HEED_CLONES void cell_forward(int64_t B, int64_t H, float* gates, const float* bias, const float* c, float* c2, float* h2) {
  for (int64_t b = 0; b < B; ++b) {
    float* gi = gates + b * 4 * H;
    float* gf = gi + H;
    float* gg = gf + H;
    float* go = gg + H;
    for (int64_t j = 0; j < H; j += vmath::W) {
      const int64_t n = H - j < vmath::W ? H - j : vmath::W;
      const vf i = vmath::sigmoid(ld(gi + j, n) + ld(bias + j, n));
      const vf f = vmath::sigmoid(ld(gf + j, n) + ld(bias + H + j, n));
      const vf g = vmath::tanh(ld(gg + j, n) + ld(bias + 2 * H + j, n));
      const vf o = vmath::sigmoid(ld(go + j, n) + ld(bias + 3 * H + j, n));
      const vf cn = f * ld(c + b * H + j, n) + i * g;
      st(gi + j, i, n);
      st(gf + j, f, n);
      st(gg + j, g, n);
      st(go + j, o, n);
      st(c2 + b * H + j, cn, n);
      st(h2 + b * H + j, o * vmath::tanh(cn), n);
    }
  }
}

// One step's gate gradients: dh (incoming, includes dy_t), dc (in: from the step after,
// out: to the step before), activated gates, c_t and c_{t-1} → dG rows.
HEED_CLONES void cell_backward(int64_t B, int64_t H, const float* gates, const float* c, const float* cprev, const float* dh,
                               float* dc, float* dg) {
  for (int64_t b = 0; b < B; ++b) {
    const float* gi = gates + b * 4 * H;
    float* di = dg + b * 4 * H;
    for (int64_t j = 0; j < H; j += vmath::W) {
      const int64_t n = H - j < vmath::W ? H - j : vmath::W;
      const int64_t s = b * H + j;
      const vf i = ld(gi + j, n), f = ld(gi + H + j, n), g = ld(gi + 2 * H + j, n), o = ld(gi + 3 * H + j, n);
      const vf tc = vmath::tanh(ld(c + s, n));
      const vf dhv = ld(dh + s, n);
      const vf dcv = ld(dc + s, n) + dhv * o * (1.0f - tc * tc);
      st(di + j, dcv * g * i * (1.0f - i), n);
      st(di + H + j, dcv * ld(cprev + s, n) * f * (1.0f - f), n);
      st(di + 2 * H + j, dcv * i * (1.0f - g * g), n);
      st(di + 3 * H + j, dhv * tc * o * (1.0f - o), n);
      st(dc + s, dcv * f, n);
    }
  }
}

HEED_CLONES void add_into(int64_t n, float* dst, const float* src) {
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

}  // namespace

void lstm_forward(const LstmForward& a, int kernel, int threads) {
  const int64_t T = a.T, B = a.B, I = a.I, H = a.H, G = 4 * H;
  const int64_t bh = B * H;
  if (T == 0 || bh == 0) {
    if (bh) {
      std::memcpy(a.h_last, a.h0, sizeof(float) * bh);
      std::memcpy(a.c_last, a.c0, sizeof(float) * bh);
    }
    return;
  }
  // Input projections of all steps at once.
  sgemm_ex(SgemmCall{1, T * B, G, I, a.x, 0, a.w, 0, false, false, a.gates}, kernel, threads, false);
  PackedB r;
  r.pack(a.r, H, G, false, kernel);
  for (int64_t t = 0; t < T; ++t) {
    float* gt = a.gates + t * B * G;
    const float* hp = t ? a.y + (t - 1) * bh : a.h0;
    const float* cp = t ? a.cs + (t - 1) * bh : a.c0;
    sgemm_packed(B, hp, false, r, gt, true, threads);
    cell_forward(B, H, gt, a.bias, cp, a.cs + t * bh, a.y + t * bh);
  }
  std::memcpy(a.h_last, a.y + (T - 1) * bh, sizeof(float) * bh);
  std::memcpy(a.c_last, a.cs + (T - 1) * bh, sizeof(float) * bh);
}

void lstm_backward(const LstmBackward& a, int kernel, int threads) {
  const int64_t T = a.T, B = a.B, I = a.I, H = a.H, G = 4 * H;
  const int64_t bh = B * H;
  std::memset(a.dw, 0, sizeof(float) * I * G);
  std::memset(a.dr, 0, sizeof(float) * H * G);
  std::memset(a.dbias, 0, sizeof(float) * G);
  if (bh == 0 || T == 0) {
    if (bh) {
      std::memcpy(a.dh0, a.dh_last, sizeof(float) * bh);
      std::memcpy(a.dc0, a.dc_last, sizeof(float) * bh);
    }
    if (T * B * I) std::memset(a.dx, 0, sizeof(float) * T * B * I);
    return;
  }
  std::vector<float> dgates(static_cast<size_t>(T * B * G));
  std::vector<float> dh(a.dh_last, a.dh_last + bh);
  std::memcpy(a.dc0, a.dc_last, sizeof(float) * bh);  // dc runs in dc0's storage
  PackedB rt;
  rt.pack(a.r, G, H, true, kernel);  // op(B) = Rᵀ: [4H, H]
  for (int64_t t = T - 1; t >= 0; --t) {
    add_into(bh, dh.data(), a.dy + t * bh);
    float* dg = dgates.data() + t * B * G;
    const float* cp = t ? a.cs + (t - 1) * bh : a.c0;
    cell_backward(B, H, a.gates + t * B * G, a.cs + t * bh, cp, dh.data(), a.dc0, dg);
    sgemm_packed(B, dg, false, rt, dh.data(), false, threads);
  }
  std::memcpy(a.dh0, dh.data(), sizeof(float) * bh);
  // Whole-sequence products.
  const float* dgp = dgates.data();
  sgemm_ex(SgemmCall{1, T * B, I, G, dgp, 0, a.w, 0, false, true, a.dx}, kernel, threads, false);
  sgemm_ex(SgemmCall{1, I, G, T * B, a.x, 0, dgp, 0, true, false, a.dw}, kernel, threads, false);
  std::vector<float> hprev(static_cast<size_t>(T * bh));
  std::memcpy(hprev.data(), a.h0, sizeof(float) * bh);
  if (T > 1) std::memcpy(hprev.data() + bh, a.y, sizeof(float) * (T - 1) * bh);
  sgemm_ex(SgemmCall{1, H, G, T * B, hprev.data(), 0, dgp, 0, true, false, a.dr}, kernel, threads, false);
  for (int64_t row = 0; row < T * B; ++row) add_into(G, a.dbias, dgp + row * G);
}

}  // namespace heed
