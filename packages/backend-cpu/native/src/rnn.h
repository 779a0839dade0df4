// Whole-sequence LSTM kernels (see rnn.cc). Arrays are row-major float32; the binding
// checks every length before calling.
#ifndef HEED_RNN_H
#define HEED_RNN_H
#include <stdint.h>

namespace heed {

struct LstmForward {
  int64_t T, B, I, H;
  const float* x;     // [T, B, I]
  const float* w;     // [I, 4H]
  const float* r;     // [H, 4H]
  const float* bias;  // [4H]
  const float* h0;    // [B, H]
  const float* c0;    // [B, H]
  float* y;           // [T, B, H] hidden states
  float* h_last;      // [B, H]
  float* c_last;      // [B, H]
  float* gates;       // [T, B, 4H] activated gates i, f, g, o (for the backward pass)
  float* cs;          // [T, B, H] cell states
};

struct LstmBackward {
  int64_t T, B, I, H;
  const float* x;
  const float* w;
  const float* r;
  const float* h0;
  const float* c0;
  const float* y;
  const float* gates;
  const float* cs;
  const float* dy;       // [T, B, H]
  const float* dh_last;  // [B, H]
  const float* dc_last;  // [B, H]
  float* dx;             // [T, B, I]
  float* dh0;            // [B, H]
  float* dc0;            // [B, H]
  float* dw;             // [I, 4H]
  float* dr;             // [H, 4H]
  float* dbias;          // [4H]
};

/** Runs the forward pass over the whole sequence. */
void lstm_forward(const LstmForward& args, int kernel, int threads);
/** Backpropagation through time given the forward pass's saved states. */
void lstm_backward(const LstmBackward& args, int kernel, int threads);

}  // namespace heed
#endif
