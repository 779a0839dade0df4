// Row / elementwise kernels (rows.cc).
#ifndef HEED_ROWS_H
#define HEED_ROWS_H
#include <stdint.h>

namespace heed {

/** In place, each row of `cols`: softmax(scale·x); −inf entries give 0, an all −inf row gives zeros. */
void softmax_rows(float* x, int64_t rows, int64_t cols, float scale);
/** out = dy · GELU'(x) over n elements (tanh approximation when tanh_form). */
void gelu_backward(const float* x, const float* dy, float* out, int64_t n, bool tanh_form);

/** Layer norm of each row of `cols`: (x − mean)/√(var + eps)·γ + β into out. */
void layer_norm_rows(const float* x, const float* gamma, const float* beta, float* out, int64_t rows, int64_t cols, float eps);
/** out = GELU(x) (tanh approximation when tanh_form; else Φ from Abramowitz & Stegun 7.1.26). */
void gelu_forward(const float* x, float* out, int64_t n, bool tanh_form);

/** Layer norm gradient over rows of `cols` (statistics recomputed): dx, and dγ, dβ summed over rows. */
void layer_norm_backward(const float* x, const float* gamma, const float* dy, float* dx, float* dgamma, float* dbeta, int64_t rows,
                         int64_t cols, float eps);

/** One Adam/AdamW step over n elements (double inside); outputs may alias the inputs (in place). */
void adam_step(const float* p, const float* g, const float* m, const float* v, float* p2, float* m2, float* v2, int64_t n, double lr,
               double beta1, double beta2, double eps, double c1, double c2, double weight_decay);
/** out[b] = x[b]ᵀ for `batch` row-major rows x cols matrices (blocked). */
void transpose_2d(const float* x, float* out, int64_t batch, int64_t rows, int64_t cols);

/** out[j] = Σ_r x[r, j] over `rows` rows of `cols` (double accumulators). */
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols);

}  // namespace heed
#endif
