#pragma once
// The Gaussian process's kernels and its hyperparameter search (regression/gp.h gives
// the formulas): kernel matrices, the Cholesky factor of K + σ²I, and the grid search
// for (ℓ, σ²) by log marginal likelihood. Internal to regression/.
#include <Eigen/Dense>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace molprop::regression::gp {

using Eigen::Index;
using RowMajorDouble = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

enum class Kernel { kRbf, kTanimoto };

// "rbf" | "tanimoto"; throws molprop::Error naming the known kernels otherwise.
Kernel parse_kernel(const std::string& name);

// Runs body(0 .. count−1) on up to hardware_concurrency threads; the first exception
// thrown by any call is rethrown here after all threads have stopped.
void parallel_for(size_t count, const std::function<void(size_t)>& body);

// The kernel before its length scale: squared distances (rbf) or Tanimoto similarities,
// between the rows of a (p × d) and b (q × d); p × q.
template <typename A, typename B>
Eigen::MatrixXd kernel_base(Kernel kernel, const A& a, const B& b) {
  const Eigen::VectorXd na = a.rowwise().squaredNorm();
  const Eigen::VectorXd nb = b.rowwise().squaredNorm();
  Eigen::MatrixXd dot = a * b.transpose();
  if (kernel == Kernel::kRbf) {
    // ‖a‖² + ‖b‖² − 2a·b, clamped: round-off can make it slightly negative.
    for (Index c = 0; c < dot.cols(); ++c) {
      for (Index r = 0; r < dot.rows(); ++r) dot(r, c) = std::max(0.0, na(r) + nb(c) - 2.0 * dot(r, c));
    }
  } else {
    for (Index c = 0; c < dot.cols(); ++c) {
      for (Index r = 0; r < dot.rows(); ++r) {
        const double denom = na(r) + nb(c) - dot(r, c);
        dot(r, c) = denom > 0 ? dot(r, c) / denom : 1.0;  // denom is 0 only when a = b = 0
      }
    }
  }
  return dot;
}

// kernel_base of the training rows with themselves, with the exact diagonal (distance 0,
// similarity 1) so that round-off cannot leave k(a, a) ≠ 1.
template <typename A>
Eigen::MatrixXd training_base(Kernel kernel, const A& x) {
  Eigen::MatrixXd base = kernel_base(kernel, x, x);
  base.diagonal().setConstant(kernel == Kernel::kRbf ? 0.0 : 1.0);
  return base;
}

// In place: base → kernel values (rbf: exp(−D/(2ℓ²)); tanimoto: unchanged).
void apply_length_scale(Kernel kernel, Eigen::MatrixXd& base, double length_scale);

// In place: a ← lower Cholesky factor of K + σ²I (a holds K on entry). False when K + σ²I
// is not numerically positive definite.
bool factorise(Eigen::MatrixXd& a, double noise);

// L of K + σ²I for a task's stored training inputs and hyperparameters. fit and load both
// use this, so a loaded model reproduces the fitted factor bit for bit.
Eigen::MatrixXd cholesky_factor(Kernel kernel, const Eigen::MatrixXd& base, double length_scale, double noise);

// The grid point with the highest log marginal likelihood.
struct Hyperparameters {
  bool found = false;  // false when K + σ²I is not positive definite at any grid point
  double length_scale = 0;
  double noise = 0;
  double log_marginal_likelihood = 0;
};

// Grid search over (ℓ, σ²) for standardised targets `y` and the training kernel `base`
// (training_base of m rows of d features): one kernel matrix per length scale, the noise
// levels in parallel; ties keep the earlier entry, ℓ-major.
Hyperparameters select_hyperparameters(Kernel kernel, const Eigen::MatrixXd& base, const Eigen::VectorXd& y, int64_t d);

}  // namespace molprop::regression::gp
