#pragma once
// Regressors on frozen molecule representations (embeddings or fingerprints), fitted in
// closed form with Eigen: ridge regression and a Gaussian process. Chosen by
// `molprop train --from P.h5 --head ridge|gp`, stored inside the model checkpoint, and
// used by `predict` like any other model.
//
// Inputs are plain row-major float arrays so that callers need no Eigen headers.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace molprop::regression {

// A named array for storage in a checkpoint (row-major values, any rank).
struct NamedArray {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

class EmbeddingRegressor {
 public:
  virtual ~EmbeddingRegressor() = default;
  virtual std::string kind() const = 0;  // "ridge" | "gp"

  // x: n × d features; y: n × t targets in original units, NaN = missing (each task is
  // fitted on its own present rows). `seed` fixes cross-validation folds.
  virtual void fit(const std::vector<float>& x, int64_t n, int64_t d, const std::vector<float>& y, int64_t t,
                   uint64_t seed) = 0;
  // mean and std: n × t. std is the predictive standard deviation (GP: from the
  // posterior variance plus noise; ridge: the cross-validated residual std per task).
  virtual void predict(const std::vector<float>& x, int64_t n, std::vector<float>& mean,
                       std::vector<float>& std) const = 0;
  virtual int64_t num_features() const = 0;
  virtual int64_t num_tasks() const = 0;

  // Everything needed to rebuild the fitted regressor: small parameters as JSON, arrays
  // (weights, training inputs) as NamedArrays.
  virtual std::string params_json() const = 0;
  virtual std::vector<NamedArray> arrays() const = 0;
};

struct RegressorOptions {
  // ridge: candidate regularisation strengths, chosen per task by k-fold CV on the
  // training rows (mean validation RMSE).
  std::vector<double> ridge_alphas{1e-3, 1e-2, 1e-1, 1, 10, 100, 1e3, 1e4};
  int cv_folds = 5;
  // ridge: scale each feature to unit variance before fitting. Right for embeddings;
  // wrong for 0/1 fingerprints, where it would blow rare bits up to huge values.
  bool standardize_features = true;
  // gp: kernel "rbf" (on standardised features) or "tanimoto" (for 0/1 fingerprints);
  // hyperparameters (length scale for rbf, noise) chosen per task by maximising the log
  // marginal likelihood over a grid. At most max_train rows are used (subsampled by seed),
  // since the fit is O(n³).
  std::string gp_kernel = "rbf";
  int64_t gp_max_train = 3000;
};

// The registered kinds, sorted: "gp", "ridge".
std::vector<std::string> regressor_names();
// Registry: "ridge" | "gp" → a fresh, unfitted regressor. Throws molprop::Error listing
// the known kinds.
std::unique_ptr<EmbeddingRegressor> make_regressor(const std::string& kind, const RegressorOptions& options = {});
// Rebuilds a fitted regressor from what params_json()/arrays() produced.
std::unique_ptr<EmbeddingRegressor> load_regressor(const std::string& kind, const std::string& params_json,
                                                   const std::vector<NamedArray>& arrays);

}  // namespace molprop::regression
