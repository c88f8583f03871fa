#include "training/adam_kernels.h"

#include <cmath>

namespace molprop::training {

// Eight running sums so that the loop vectorises without reassociating.
__attribute__((target_clones("avx512f", "avx2", "default"))) double sum_of_squares(const float* g, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += static_cast<double>(g[i + j]) * g[i + j];
  }
  for (; i < n; ++i) acc[0] += static_cast<double>(g[i]) * g[i];
  double sum = 0;
  for (double a : acc) sum += a;
  return sum;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void adam_update(float* p, float* g, float* m, float* v,
                                                                              int64_t n, float scale, float beta1,
                                                                              float beta2, float step_size,
                                                                              float inv_sqrt_bc2, float eps) {
  const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
  for (int64_t i = 0; i < n; ++i) {
    const float grad = g[i] * scale;
    g[i] = grad;
    const float mi = m[i] * beta1 + one_minus_beta1 * grad;
    const float vi = v[i] * beta2 + one_minus_beta2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    p[i] -= step_size * mi / (std::sqrt(vi) * inv_sqrt_bc2 + eps);
  }
}

}  // namespace molprop::training
