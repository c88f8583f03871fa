#include "finetune/metrics.h"

#include <cmath>
#include <limits>

#include "core/check.h"

namespace molprop::finetune {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

// Two passes per task: the first finds the mean of the used truths, the second sums the
// squared, absolute and centred errors. Summing in double keeps R² meaningful when the
// truths are large and close together (float SS_tot would lose most of its digits).
std::vector<RegressionMetrics> regression_metrics(const std::vector<float>& pred, const std::vector<float>& truth,
                                                  int64_t tasks) {
  MOLPROP_CHECK(tasks > 0, "regression_metrics: tasks must be positive, got " << tasks);
  MOLPROP_CHECK(pred.size() == truth.size(),
                "regression_metrics: " << pred.size() << " predictions but " << truth.size() << " truths");
  MOLPROP_CHECK(truth.size() % static_cast<size_t>(tasks) == 0,
                "regression_metrics: " << truth.size() << " values are not rows × " << tasks << " tasks");
  const size_t cols = static_cast<size_t>(tasks);
  const size_t rows = truth.size() / cols;

  std::vector<RegressionMetrics> out(cols);
  for (size_t j = 0; j < cols; ++j) {
    int64_t n = 0;
    double truth_sum = 0;
    for (size_t i = 0; i < rows; ++i) {
      const float t = truth[i * cols + j];
      if (std::isnan(t)) continue;
      truth_sum += t;
      ++n;
    }
    RegressionMetrics& m = out[j];
    m.count = n;
    if (n == 0) {
      m.rmse = m.mae = m.r2 = kNaN;
      continue;
    }
    const double truth_mean = truth_sum / static_cast<double>(n);
    double ss_res = 0, abs_sum = 0, ss_tot = 0;
    for (size_t i = 0; i < rows; ++i) {
      const float t = truth[i * cols + j];
      if (std::isnan(t)) continue;
      const double err = static_cast<double>(pred[i * cols + j]) - t;
      ss_res += err * err;
      abs_sum += std::abs(err);
      ss_tot += (t - truth_mean) * (t - truth_mean);
    }
    m.rmse = std::sqrt(ss_res / static_cast<double>(n));
    m.mae = abs_sum / static_cast<double>(n);
    // R² is undefined without spread in the truths; NaN says so instead of ±inf.
    m.r2 = (n < 2 || ss_tot == 0) ? kNaN : 1.0 - ss_res / ss_tot;
  }
  return out;
}

MeanStd mean_std(const std::vector<double>& values) {
  if (values.empty()) return {kNaN, kNaN};
  const double n = static_cast<double>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / n;
  if (values.size() < 2) return {mean, 0.0};
  double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  return {mean, std::sqrt(ss / (n - 1))};
}

}  // namespace molprop::finetune
