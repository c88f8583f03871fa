#pragma once
// The arithmetic of the fused Adam step (training/optimizer_step.cpp), without LibTorch, in
// a file of its own: it is compiled with -fno-math-errno so that the sqrt vectorises.
#include <cstdint>

namespace molprop::training {

// Σ g² of n floats, in double, in a fixed order (deterministic).
double sum_of_squares(const float* g, int64_t n);

// One Adam update of n parameters (LibTorch's Adam without weight decay or AMSGrad): the
// gradient is first multiplied by `scale` (clipping) and written back scaled; then
//   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  p ← p − step_size · m / (√v · inv_sqrt_bc2 + eps)
// with step_size = lr / (1 − β₁ᵗ) and inv_sqrt_bc2 = 1 / √(1 − β₂ᵗ).
void adam_update(float* p, float* g, float* m, float* v, int64_t n, float scale, float beta1, float beta2,
                 float step_size, float inv_sqrt_bc2, float eps);

}  // namespace molprop::training
