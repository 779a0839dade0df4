// Node-API binding of the native sgemm (plain C Node-API, no dependencies).
//
// exports.sgemm(batch, m, n, k, a, aOffset, aBatchStride, b, bOffset, bBatchStride,
//               transA, transB, c, cOffset[, kernel[, threads[, bias]]])
//   Float32Arrays a, b, c; offsets and strides in elements; the semantics of SgemmArgs in
//   src/gemm/types.ts. kernel: "auto" | "avx512" | "avx2" | "scalar" (default "auto");
//   threads: default hardwareThreads(); bias: optional Float32Array [n] added to every row of C
//   (fused epilogue). Synchronous: returns when C is written.
// exports.lstmForward(T, B, I, H, x, w, r, bias, h0, c0, y, hLast, cLast, gates, cs[, kernel[, threads]])
// exports.lstmBackward(T, B, I, H, x, w, r, h0, c0, y, gates, cs, dy, dhLast, dcLast,
//                      dx, dh0, dc0, dw, dr, dbias[, kernel[, threads]])
//   Whole-sequence LSTM (rnn.h); every array a Float32Array of at least its size.
// exports.softmaxRows(x, rows, cols, scale)   in place: softmax(scale·x) per row (rows.h)
// exports.geluBackward(x, dy, out, tanhForm)  out = dy · GELU'(x)
// exports.layerNormRows(x, gamma, beta, out, rows, cols, eps)
// exports.gelu(x, out, tanhForm)
// exports.layerNormBackward(x, gamma, dy, dx, dgamma, dbeta, rows, cols, eps)
// exports.adamStep(p, g, m, v, pOut, mOut, vOut, lr, beta1, beta2, eps, c1, c2, weightDecay)
// exports.transpose2d(x, out, batch, rows, cols)
// exports.sumRows(x, out, rows, cols)             column sums (double accumulators)
// exports.packB / packedBSize / sgemmPacked: a weight packed once for many products (below)
// exports.kernels()          -> kernel names this CPU can run, best first
// exports.hardwareThreads()  -> threads the process may use
// exports.shutdown()         -> joins the pool's threads (they restart when needed)
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "gemm.h"
#include "rnn.h"
#include "rows.h"

namespace {

struct Failure {
  bool range;
  std::string message;
};

napi_value throw_failure(napi_env env, const Failure& f) {
  if (f.range) napi_throw_range_error(env, nullptr, f.message.c_str());
  else napi_throw_type_error(env, nullptr, f.message.c_str());
  return nullptr;
}

bool get_count(napi_env env, napi_value v, const char* name, int64_t* out, Failure* f) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    *f = {false, std::string("sgemm: ") + name + " must be a number"};
    return false;
  }
  if (!(d >= 0) || d != std::floor(d) || d > 9007199254740991.0) {
    *f = {true, std::string("sgemm: ") + name + " must be a non-negative integer, got " + std::to_string(d)};
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool get_f32(napi_env env, napi_value v, const char* name, float** data, int64_t* length, Failure* f) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  napi_typedarray_type type;
  size_t len = 0;
  void* ptr = nullptr;
  if (!is_ta || napi_get_typedarray_info(env, v, &type, &len, &ptr, nullptr, nullptr) != napi_ok ||
      type != napi_float32_array) {
    *f = {false, std::string("sgemm: ") + name + " must be a Float32Array"};
    return false;
  }
  *data = static_cast<float*>(ptr);
  *length = static_cast<int64_t>(len);
  return true;
}

bool get_bool(napi_env env, napi_value v, bool* out) {
  napi_value coerced;
  return napi_coerce_to_bool(env, v, &coerced) == napi_ok && napi_get_value_bool(env, coerced, out) == napi_ok;
}

int parse_kernel(napi_env env, napi_value v, Failure* f, bool* ok) {
  *ok = true;
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_undefined || t == napi_null) return heed::KERNEL_AUTO;
  char buf[32];
  size_t len = 0;
  if (t != napi_string || napi_get_value_string_utf8(env, v, buf, sizeof buf, &len) != napi_ok) {
    *f = {false, "sgemm: kernel must be a string"};
    *ok = false;
    return 0;
  }
  if (std::strcmp(buf, "auto") == 0) return heed::KERNEL_AUTO;
  for (int id = 0; id < heed::KERNEL_COUNT; ++id) {
    if (std::strcmp(buf, heed::kernel_name(id)) == 0) {
      if (!heed::kernel_supported(id)) {
        *f = {true, std::string("sgemm: kernel ") + buf + " is not supported on this CPU"};
        *ok = false;
      }
      return id;
    }
  }
  *f = {true, std::string("sgemm: unknown kernel ") + buf};
  *ok = false;
  return 0;
}

napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value argv[17];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 14) return throw_failure(env, {false, "sgemm: expected at least 14 arguments"});
  Failure f;
  int64_t batch, m, n, k, a_off, a_stride, b_off, b_stride, c_off, a_len, b_len, c_len;
  float *a, *b, *c;
  bool trans_a, trans_b;
  if (!get_count(env, argv[0], "batch", &batch, &f) || !get_count(env, argv[1], "m", &m, &f) ||
      !get_count(env, argv[2], "n", &n, &f) || !get_count(env, argv[3], "k", &k, &f) ||
      !get_f32(env, argv[4], "a", &a, &a_len, &f) || !get_count(env, argv[5], "aOffset", &a_off, &f) ||
      !get_count(env, argv[6], "aBatchStride", &a_stride, &f) || !get_f32(env, argv[7], "b", &b, &b_len, &f) ||
      !get_count(env, argv[8], "bOffset", &b_off, &f) || !get_count(env, argv[9], "bBatchStride", &b_stride, &f) ||
      !get_bool(env, argv[10], &trans_a) || !get_bool(env, argv[11], &trans_b) ||
      !get_f32(env, argv[12], "c", &c, &c_len, &f) || !get_count(env, argv[13], "cOffset", &c_off, &f))
    return throw_failure(env, f);
  bool ok = true;
  int kernel = argc > 14 ? parse_kernel(env, argv[14], &f, &ok) : heed::KERNEL_AUTO;
  if (!ok) return throw_failure(env, f);
  int64_t threads = heed::hardware_threads();
  if (argc > 15) {
    napi_valuetype t;
    napi_typeof(env, argv[15], &t);
    if (t != napi_undefined && t != napi_null) {
      if (!get_count(env, argv[15], "threads", &threads, &f)) return throw_failure(env, f);
      if (threads < 1) threads = 1;
      if (threads > 256) threads = 256;
    }
  }
  if (batch == 0 || m == 0 || n == 0) return nullptr;
  // Bounds (the same checks as the wasm engine), in doubles to avoid overflow.
  auto need = [&](const char* name, int64_t len, int64_t off, int64_t stride, double size) -> bool {
    if (size == 0) return true;
    const double end = static_cast<double>(off) + static_cast<double>(batch - 1) * stride + size;
    if (end > static_cast<double>(len)) {
      f = {true, std::string("sgemm: ") + name + " needs " + std::to_string(static_cast<int64_t>(end)) +
                     " elements (batch " + std::to_string(batch) + ", m " + std::to_string(m) + ", n " +
                     std::to_string(n) + ", k " + std::to_string(k) + "), has " + std::to_string(len)};
      return false;
    }
    return true;
  };
  const double mn = static_cast<double>(m) * n;
  if (!need("a", a_len, a_off, a_stride, static_cast<double>(m) * k) ||
      !need("b", b_len, b_off, b_stride, static_cast<double>(k) * n) || !need("c", c_len, c_off, static_cast<int64_t>(mn), mn))
    return throw_failure(env, f);
  heed::SgemmCall call{batch, m, n, k, a + a_off, a_stride, b + b_off, b_stride, trans_a, trans_b, c + c_off};
  if (argc > 16) {
    napi_valuetype t;
    napi_typeof(env, argv[16], &t);
    if (t != napi_undefined && t != napi_null) {
      float* bias;
      int64_t bias_len;
      if (!get_f32(env, argv[16], "bias", &bias, &bias_len, &f)) return throw_failure(env, f);
      if (bias_len < n) return throw_failure(env, {true, "sgemm: bias needs " + std::to_string(n) + " elements, has " + std::to_string(bias_len)});
      call.bias = bias;
    }
  }
  try {
    heed::sgemm(call, kernel, static_cast<int>(threads));
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "sgemm: out of memory");
  }
  return nullptr;
}

// Reads the kernel and thread arguments at argv[at], argv[at + 1] (both optional).
bool kernel_threads(napi_env env, size_t argc, napi_value* argv, size_t at, int* kernel, int64_t* threads, Failure* f) {
  bool ok = true;
  *kernel = argc > at ? parse_kernel(env, argv[at], f, &ok) : heed::KERNEL_AUTO;
  if (!ok) return false;
  *threads = heed::hardware_threads();
  if (argc > at + 1) {
    napi_valuetype t;
    napi_typeof(env, argv[at + 1], &t);
    if (t != napi_undefined && t != napi_null) {
      if (!get_count(env, argv[at + 1], "threads", threads, f)) return false;
      *threads = std::max<int64_t>(1, std::min<int64_t>(256, *threads));
    }
  }
  return true;
}

// Float32Array arguments with their required sizes; fails naming the first one too short.
bool get_arrays(napi_env env, napi_value* argv, const char* op, const char* const* names, const double* sizes, float** out, int count,
                Failure* f) {
  for (int i = 0; i < count; ++i) {
    int64_t len = 0;
    if (!get_f32(env, argv[i], names[i], &out[i], &len, f)) {
      f->message = std::string(op) + ": " + names[i] + " must be a Float32Array";
      return false;
    }
    if (static_cast<double>(len) < sizes[i]) {
      *f = {true, std::string(op) + ": " + names[i] + " needs " + std::to_string(static_cast<int64_t>(sizes[i])) + " elements, has " +
                      std::to_string(len)};
      return false;
    }
  }
  return true;
}

bool get_dims(napi_env env, napi_value* argv, int64_t* d, Failure* f) {
  const char* names[4] = {"T", "B", "I", "H"};
  for (int i = 0; i < 4; ++i)
    if (!get_count(env, argv[i], names[i], &d[i], f)) return false;
  return true;
}

napi_value LstmForward(napi_env env, napi_callback_info info) {
  size_t argc = 17;
  napi_value argv[17];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 15) return throw_failure(env, {false, "lstmForward: expected at least 15 arguments"});
  Failure f;
  int64_t d[4];
  if (!get_dims(env, argv, d, &f)) return throw_failure(env, f);
  const double T = d[0], B = d[1], I = d[2], H = d[3];
  const char* names[11] = {"x", "w", "r", "bias", "h0", "c0", "y", "hLast", "cLast", "gates", "cs"};
  const double sizes[11] = {T * B * I, I * 4 * H, H * 4 * H, 4 * H, B * H, B * H, T * B * H, B * H, B * H, T * B * 4 * H, T * B * H};
  float* p[11];
  int kernel;
  int64_t threads;
  if (!get_arrays(env, argv + 4, "lstmForward", names, sizes, p, 11, &f) || !kernel_threads(env, argc, argv, 15, &kernel, &threads, &f))
    return throw_failure(env, f);
  heed::LstmForward a{d[0], d[1], d[2], d[3], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10]};
  try {
    heed::lstm_forward(a, kernel, static_cast<int>(threads));
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "lstmForward: out of memory");
  }
  return nullptr;
}

napi_value LstmBackward(napi_env env, napi_callback_info info) {
  size_t argc = 23;
  napi_value argv[23];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 21) return throw_failure(env, {false, "lstmBackward: expected at least 21 arguments"});
  Failure f;
  int64_t d[4];
  if (!get_dims(env, argv, d, &f)) return throw_failure(env, f);
  const double T = d[0], B = d[1], I = d[2], H = d[3];
  const char* names[17] = {"x", "w", "r", "h0", "c0", "y", "gates", "cs", "dy", "dhLast", "dcLast", "dx", "dh0", "dc0", "dw", "dr", "dbias"};
  const double sizes[17] = {T * B * I, I * 4 * H, H * 4 * H, B * H, B * H, T * B * H, T * B * 4 * H, T * B * H, T * B * H,
                            B * H, B * H, T * B * I, B * H, B * H, I * 4 * H, H * 4 * H, 4 * H};
  float* p[17];
  int kernel;
  int64_t threads;
  if (!get_arrays(env, argv + 4, "lstmBackward", names, sizes, p, 17, &f) || !kernel_threads(env, argc, argv, 21, &kernel, &threads, &f))
    return throw_failure(env, f);
  heed::LstmBackward a{d[0], d[1], d[2], d[3], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
                       p[11], p[12], p[13], p[14], p[15], p[16]};
  try {
    heed::lstm_backward(a, kernel, static_cast<int>(threads));
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "lstmBackward: out of memory");
  }
  return nullptr;
}

napi_value SoftmaxRows(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return throw_failure(env, {false, "softmaxRows: expected 4 arguments"});
  Failure f;
  int64_t rows, cols;
  double scale;
  if (!get_count(env, argv[1], "rows", &rows, &f) || !get_count(env, argv[2], "cols", &cols, &f)) return throw_failure(env, f);
  if (napi_get_value_double(env, argv[3], &scale) != napi_ok) return throw_failure(env, {false, "softmaxRows: scale must be a number"});
  const char* names[1] = {"x"};
  const double sizes[1] = {static_cast<double>(rows) * cols};
  float* p[1];
  if (!get_arrays(env, argv, "softmaxRows", names, sizes, p, 1, &f)) return throw_failure(env, f);
  heed::softmax_rows(p[0], rows, cols, static_cast<float>(scale));
  return nullptr;
}

napi_value GeluBackward(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return throw_failure(env, {false, "geluBackward: expected 4 arguments"});
  Failure f;
  float* p[3];
  int64_t len = 0;
  if (!get_f32(env, argv[0], "x", &p[0], &len, &f)) return throw_failure(env, f);
  const char* names[3] = {"x", "dy", "out"};
  const double sizes[3] = {static_cast<double>(len), static_cast<double>(len), static_cast<double>(len)};
  if (!get_arrays(env, argv, "geluBackward", names, sizes, p, 3, &f)) return throw_failure(env, f);
  bool tanh_form = false;
  get_bool(env, argv[3], &tanh_form);
  heed::gelu_backward(p[0], p[1], p[2], len, tanh_form);
  return nullptr;
}

napi_value LayerNormRows(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 7) return throw_failure(env, {false, "layerNormRows: expected 7 arguments"});
  Failure f;
  int64_t rows, cols;
  double eps;
  if (!get_count(env, argv[4], "rows", &rows, &f) || !get_count(env, argv[5], "cols", &cols, &f)) return throw_failure(env, f);
  if (napi_get_value_double(env, argv[6], &eps) != napi_ok) return throw_failure(env, {false, "layerNormRows: eps must be a number"});
  const double rc = static_cast<double>(rows) * cols;
  const char* names[4] = {"x", "gamma", "beta", "out"};
  const double sizes[4] = {rc, static_cast<double>(cols), static_cast<double>(cols), rc};
  float* p[4];
  if (!get_arrays(env, argv, "layerNormRows", names, sizes, p, 4, &f)) return throw_failure(env, f);
  heed::layer_norm_rows(p[0], p[1], p[2], p[3], rows, cols, static_cast<float>(eps));
  return nullptr;
}

napi_value GeluForward(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 3) return throw_failure(env, {false, "gelu: expected 3 arguments"});
  Failure f;
  float* p[2];
  int64_t len = 0;
  if (!get_f32(env, argv[0], "x", &p[0], &len, &f)) return throw_failure(env, f);
  const char* names[2] = {"x", "out"};
  const double sizes[2] = {static_cast<double>(len), static_cast<double>(len)};
  if (!get_arrays(env, argv, "gelu", names, sizes, p, 2, &f)) return throw_failure(env, f);
  bool tanh_form = false;
  get_bool(env, argv[2], &tanh_form);
  heed::gelu_forward(p[0], p[1], len, tanh_form);
  return nullptr;
}

napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 9) return throw_failure(env, {false, "layerNormBackward: expected 9 arguments"});
  Failure f;
  int64_t rows, cols;
  double eps;
  if (!get_count(env, argv[6], "rows", &rows, &f) || !get_count(env, argv[7], "cols", &cols, &f)) return throw_failure(env, f);
  if (napi_get_value_double(env, argv[8], &eps) != napi_ok) return throw_failure(env, {false, "layerNormBackward: eps must be a number"});
  const double rc = static_cast<double>(rows) * cols, c = static_cast<double>(cols);
  const char* names[6] = {"x", "gamma", "dy", "dx", "dgamma", "dbeta"};
  const double sizes[6] = {rc, c, rc, rc, c, c};
  float* p[6];
  if (!get_arrays(env, argv, "layerNormBackward", names, sizes, p, 6, &f)) return throw_failure(env, f);
  heed::layer_norm_backward(p[0], p[1], p[2], p[3], p[4], p[5], rows, cols, static_cast<float>(eps));
  return nullptr;
}

napi_value AdamStep(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 14) return throw_failure(env, {false, "adamStep: expected 14 arguments"});
  Failure f;
  int64_t len = 0;
  float* p[7];
  if (!get_f32(env, argv[0], "param", &p[0], &len, &f)) return throw_failure(env, f);
  const char* names[7] = {"param", "grad", "m", "v", "paramOut", "mOut", "vOut"};
  const double n = static_cast<double>(len);
  const double sizes[7] = {n, n, n, n, n, n, n};
  if (!get_arrays(env, argv, "adamStep", names, sizes, p, 7, &f)) return throw_failure(env, f);
  double h[7];
  for (int i = 0; i < 7; ++i)
    if (napi_get_value_double(env, argv[7 + i], &h[i]) != napi_ok) return throw_failure(env, {false, "adamStep: hyper-parameters must be numbers"});
  heed::adam_step(p[0], p[1], p[2], p[3], p[4], p[5], p[6], len, h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
  return nullptr;
}

napi_value Transpose2d(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 5) return throw_failure(env, {false, "transpose2d: expected 5 arguments"});
  Failure f;
  int64_t batch, rows, cols;
  if (!get_count(env, argv[2], "batch", &batch, &f) || !get_count(env, argv[3], "rows", &rows, &f) || !get_count(env, argv[4], "cols", &cols, &f))
    return throw_failure(env, f);
  const double size = static_cast<double>(batch) * rows * cols;
  const char* names[2] = {"x", "out"};
  const double sizes[2] = {size, size};
  float* p[2];
  if (!get_arrays(env, argv, "transpose2d", names, sizes, p, 2, &f)) return throw_failure(env, f);
  heed::transpose_2d(p[0], p[1], batch, rows, cols);
  return nullptr;
}

// packB(b, k, n, trans, out, kernel) -> offset: packs op(B) (k x n) into `out` from the first
// 64-byte aligned element (returned); out needs packedBSize(k, n, kernel) + 16 floats.
napi_value PackB(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 6) return throw_failure(env, {false, "packB: expected 6 arguments"});
  Failure f;
  int64_t k, n, b_len, out_len;
  float *b, *out;
  bool trans = false, ok = true;
  if (!get_f32(env, argv[0], "b", &b, &b_len, &f) || !get_count(env, argv[1], "k", &k, &f) || !get_count(env, argv[2], "n", &n, &f) ||
      !get_bool(env, argv[3], &trans) || !get_f32(env, argv[4], "out", &out, &out_len, &f))
    return throw_failure(env, f);
  const int kernel = parse_kernel(env, argv[5], &f, &ok);
  if (!ok) return throw_failure(env, f);
  if (static_cast<double>(b_len) < static_cast<double>(k) * n) return throw_failure(env, {true, "packB: b is shorter than k * n"});
  const int64_t need = heed::packed_b_floats(k, n, kernel);
  const int64_t skip = static_cast<int64_t>(((64 - reinterpret_cast<uintptr_t>(out) % 64) % 64) / sizeof(float));
  if (out_len < need + skip || reinterpret_cast<uintptr_t>(out) % sizeof(float) != 0)
    return throw_failure(env, {true, "packB: out needs " + std::to_string(need + 16) + " elements, has " + std::to_string(out_len)});
  heed::PackedB pb;
  if (k > 0 && n > 0) pb.pack_into(b, k, n, trans, kernel, out + skip);
  napi_value r;
  napi_create_double(env, static_cast<double>(skip), &r);
  return r;
}

napi_value PackedBSize(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Failure f;
  int64_t k, n;
  bool ok = true;
  if (argc < 3 || !get_count(env, argv[0], "k", &k, &f) || !get_count(env, argv[1], "n", &n, &f)) return throw_failure(env, {false, "packedBSize(k, n, kernel)"});
  const int kernel = parse_kernel(env, argv[2], &f, &ok);
  if (!ok) return throw_failure(env, f);
  napi_value r;
  napi_create_double(env, static_cast<double>(heed::packed_b_floats(k, n, kernel)), &r);
  return r;
}

// sgemmPacked(m, a, packed, offset, k, n, c, bias, kernel, threads): C (m x n) = A (m x k) · B
// (+ bias) for a B packed by packB with the same kernel.
napi_value SgemmPacked(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 10) return throw_failure(env, {false, "sgemmPacked: expected 10 arguments"});
  Failure f;
  int64_t m, offset, k, n, a_len, p_len, c_len;
  float *a, *packed, *c, *bias = nullptr;
  if (!get_count(env, argv[0], "m", &m, &f) || !get_f32(env, argv[1], "a", &a, &a_len, &f) || !get_f32(env, argv[2], "packed", &packed, &p_len, &f) ||
      !get_count(env, argv[3], "offset", &offset, &f) || !get_count(env, argv[4], "k", &k, &f) || !get_count(env, argv[5], "n", &n, &f) ||
      !get_f32(env, argv[6], "c", &c, &c_len, &f))
    return throw_failure(env, f);
  napi_valuetype t;
  napi_typeof(env, argv[7], &t);
  int64_t bias_len = 0;
  if (t != napi_undefined && t != napi_null && !get_f32(env, argv[7], "bias", &bias, &bias_len, &f)) return throw_failure(env, f);
  int kernel;
  int64_t threads;
  if (!kernel_threads(env, argc, argv, 8, &kernel, &threads, &f)) return throw_failure(env, f);
  if (kernel < 0) kernel = heed::best_kernel();
  const double need_p = static_cast<double>(offset) + heed::packed_b_floats(k, n, kernel);
  if (static_cast<double>(a_len) < static_cast<double>(m) * k || static_cast<double>(c_len) < static_cast<double>(m) * n ||
      static_cast<double>(p_len) < need_p || (bias && bias_len < n) || reinterpret_cast<uintptr_t>(packed + offset) % 64 != 0)
    return throw_failure(env, {true, "sgemmPacked: an array is too short or the packed data is misaligned"});
  if (m == 0 || n == 0) return nullptr;
  heed::PackedB pb;
  pb.owned = false;
  pb.data = packed + offset;
  pb.kernel = kernel;
  pb.k = k;
  pb.n = n;
  if (k == 0) {
    heed::SgemmCall call{1, m, n, 0, a, 0, nullptr, 0, false, false, c, bias};
    heed::sgemm(call, kernel, 1);
    return nullptr;
  }
  try {
    heed::sgemm_packed(m, a, false, pb, c, false, static_cast<int>(threads), bias);
  } catch (const std::bad_alloc&) {
    napi_throw_error(env, nullptr, "sgemmPacked: out of memory");
  }
  return nullptr;
}

napi_value SumRows(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4) return throw_failure(env, {false, "sumRows: expected 4 arguments"});
  Failure f;
  int64_t rows, cols;
  if (!get_count(env, argv[2], "rows", &rows, &f) || !get_count(env, argv[3], "cols", &cols, &f)) return throw_failure(env, f);
  const char* names[2] = {"x", "out"};
  const double sizes[2] = {static_cast<double>(rows) * cols, static_cast<double>(cols)};
  float* p[2];
  if (!get_arrays(env, argv, "sumRows", names, sizes, p, 2, &f)) return throw_failure(env, f);
  heed::sum_rows(p[0], p[1], rows, cols);
  return nullptr;
}

napi_value Kernels(napi_env env, napi_callback_info) {
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t idx = 0;
  for (int id = heed::KERNEL_COUNT - 1; id >= 0; --id) {
    if (!heed::kernel_supported(id)) continue;
    napi_value s;
    napi_create_string_utf8(env, heed::kernel_name(id), NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, arr, idx++, s);
  }
  return arr;
}

napi_value HardwareThreads(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, heed::hardware_threads(), &v);
  return v;
}

napi_value Shutdown(napi_env, napi_callback_info) {
  heed::shutdown_pool();
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"sgemm", nullptr, Sgemm, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"lstmForward", nullptr, LstmForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"lstmBackward", nullptr, LstmBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"softmaxRows", nullptr, SoftmaxRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"geluBackward", nullptr, GeluBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"layerNormRows", nullptr, LayerNormRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"gelu", nullptr, GeluForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"transpose2d", nullptr, Transpose2d, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"packB", nullptr, PackB, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"packedBSize", nullptr, PackedBSize, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sgemmPacked", nullptr, SgemmPacked, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"kernels", nullptr, Kernels, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"hardwareThreads", nullptr, HardwareThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"shutdown", nullptr, Shutdown, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
