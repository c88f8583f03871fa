#pragma once
// Regression metrics that skip missing targets (NaN in the truth).
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::finetune {

struct RegressionMetrics {
  double rmse = 0, mae = 0, r2 = 0;
  int64_t count = 0;  // pairs used (truth not NaN)
};

// `pred` and `truth` are rows × tasks, row-major; metrics per task.
std::vector<RegressionMetrics> regression_metrics(const std::vector<float>& pred, const std::vector<float>& truth,
                                                  int64_t tasks);

// Mean and sample standard deviation (n − 1; 0 for fewer than two values).
struct MeanStd {
  double mean = 0, std = 0;
};
MeanStd mean_std(const std::vector<double>& values);

}  // namespace molprop::finetune
