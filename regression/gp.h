#pragma once
// Gaussian-process regression on frozen features, one independent GP per task.
//
// Per task j, on the rows where y[:, j] is present:
//   y is standardised with the mean and population std of those rows (std < 1e-12 → 1);
//   at most gp_max_train rows are kept (a core::Rng(seed) subsample, in table order);
//   kernel "rbf":      k(a, b) = exp(−‖a − b‖² / (2ℓ²)) on features standardised with the
//                      training rows' column mean/std, ℓ ∈ {0.5, 1, 2, 4, 8}·√d;
//   kernel "tanimoto": k(a, b) = a·b / (‖a‖² + ‖b‖² − a·b), 1 when a = b = 0, on raw
//                      non-negative features (0/1 fingerprints), no length scale;
//   signal variance 1, noise variance σ² ∈ {1e-3, 1e-2, 0.05, 0.1, 0.3, 1}.
// (ℓ, σ²) maximise the log marginal likelihood
//   log p(y) = −½ yᵀα − Σ log L_ii − (m/2) log 2π,   L Lᵀ = K + σ²I,   α = (K + σ²I)⁻¹ y
// over the whole grid (ties keep the earlier entry, ℓ-major). Prediction at x*:
//   mean = k*ᵀα · y_std + y_mean,   std = √max(0, 1 − vᵀv + σ²) · y_std,   v = L⁻¹k*.
// Cost: O(m²d) for the kernel and O(m³/3) per grid point; grid points run in parallel.
// The checkpoint holds the training inputs and α, not L (m² values); load_regressor
// refactorises K + σ²I with the same code, which reproduces L exactly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "regression/regressor.h"

namespace molprop::regression {

class GaussianProcessRegressor : public EmbeddingRegressor {
 public:
  // Checks the gp fields of `options` (kernel "rbf" | "tanimoto", gp_max_train >= 2).
  explicit GaussianProcessRegressor(const RegressorOptions& options = {});

  std::string kind() const override { return "gp"; }
  void fit(const std::vector<float>& x, int64_t n, int64_t d, const std::vector<float>& y, int64_t t,
           uint64_t seed) override;
  void predict(const std::vector<float>& x, int64_t n, std::vector<float>& mean,
               std::vector<float>& std) const override;
  int64_t num_features() const override { return d_; }
  int64_t num_tasks() const override { return static_cast<int64_t>(tasks_.size()); }
  std::string params_json() const override;
  std::vector<NamedArray> arrays() const override;

  // Rebuilds a fitted model from params_json() and arrays() (refactorising each task's
  // kernel matrix); throws molprop::Error on malformed or inconsistent input.
  static std::unique_ptr<GaussianProcessRegressor> load(const std::string& params_json,
                                                        const std::vector<NamedArray>& arrays);

  // Chosen hyperparameters of a fitted task, for inspection.
  double length_scale(int64_t task) const;  // 0 for the tanimoto kernel
  double noise(int64_t task) const;         // σ², in standardised-target units
  int64_t train_rows(int64_t task) const;   // rows the GP was conditioned on

  // One task's fitted GP.
  struct Task {
    double length_scale = 0;             // ℓ (rbf only)
    double noise = 0;                    // σ²
    double y_mean = 0;                   // target mean over the task's present rows
    double y_std = 1;                    // target population std over those rows
    double log_marginal_likelihood = 0;  // at the chosen (ℓ, σ²)
    int64_t rows = 0;                    // m: training rows kept
    std::vector<double> feature_mean;    // d: subtracted before the kernel (0 for tanimoto)
    std::vector<double> feature_std;     // d: divided by before the kernel (1 for tanimoto)
    std::vector<double> x_train;         // m × d row-major: training inputs after scaling
    std::vector<double> alpha;           // m: (K + σ²I)⁻¹ y, y standardised
    std::vector<double> chol;            // m × m column-major: lower Cholesky factor L
  };

 private:
  RegressorOptions options_;
  int64_t d_ = 0;
  std::vector<Task> tasks_;
};

}  // namespace molprop::regression
