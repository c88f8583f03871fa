#pragma once
// Ridge regression on frozen features, one independent linear model per task.
//
// Per task j, on the rows where y[:, j] is present (m_j rows):
//   z = (x − μ_j) / s_j          μ_j, s_j: column mean and population std over those rows
//                                (s < 1e-12 → 1, so a constant column maps to 0)
//   ŷ = z · w_j + b_j            w_j = argmin ‖Z w − (y − ȳ)‖² + α_j ‖w‖²,  b_j = ȳ
// α_j is picked from RegressorOptions::ridge_alphas by k-fold cross-validation
// (k = min(cv_folds, m_j), folds from core::Rng(seed), smallest mean validation RMSE;
// ties keep the earlier grid entry). Each fold re-centres x and y on its own training
// rows. The predictive std of task j is the pooled out-of-fold RMSE at α_j.
// Solved in closed form in double: the d × d primal system (Gram matrix accumulated once
// per task, folds by subtraction), or the m × m dual when d exceeds the training rows.
// Standardising per task (not over all rows) makes a task's model depend only on its own
// rows: a NaN elsewhere in the table cannot change it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "regression/regressor.h"

namespace molprop::regression {

class RidgeRegressor : public EmbeddingRegressor {
 public:
  // Checks the ridge fields of `options` (alphas non-empty, finite and > 0; cv_folds >= 2).
  explicit RidgeRegressor(const RegressorOptions& options = {});

  std::string kind() const override { return "ridge"; }
  void fit(const std::vector<float>& x, int64_t n, int64_t d, const std::vector<float>& y, int64_t t,
           uint64_t seed) override;
  void predict(const std::vector<float>& x, int64_t n, std::vector<float>& mean,
               std::vector<float>& std) const override;
  int64_t num_features() const override { return d_; }
  int64_t num_tasks() const override { return t_; }
  std::string params_json() const override;
  std::vector<NamedArray> arrays() const override;

  // Rebuilds a fitted model from params_json() and arrays(); throws molprop::Error on
  // malformed or inconsistent input.
  static std::unique_ptr<RidgeRegressor> load(const std::string& params_json, const std::vector<NamedArray>& arrays);

  // Fitted state, for inspection. Empty before fit.
  const std::vector<double>& alpha() const { return alpha_; }                // t: chosen α per task
  const std::vector<double>& residual_std() const { return residual_std_; }  // t: CV RMSE
  const std::vector<double>& weights() const { return weights_; }            // t × d, on standardised x
  const std::vector<double>& bias() const { return bias_; }                  // t

 private:
  RegressorOptions options_;
  int64_t d_ = 0;
  int64_t t_ = 0;
  std::vector<double> feature_mean_;  // t × d: μ_j per task
  std::vector<double> feature_std_;   // t × d: s_j per task, all >= 1e-12
  std::vector<double> weights_;       // t × d: w_j on standardised features
  std::vector<double> bias_;          // t: b_j = mean target of the task's rows
  std::vector<double> alpha_;         // t: α_j chosen by CV
  std::vector<double> residual_std_;  // t: pooled out-of-fold RMSE at α_j (target units)
  std::vector<double> cv_rmse_;       // t: mean validation RMSE at α_j (the selection score)
  std::vector<int64_t> train_rows_;   // t: m_j
};

}  // namespace molprop::regression
