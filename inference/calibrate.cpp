#include "inference/calibrate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "checkpoint/model_settings.h"
#include "core/check.h"
#include "core/options.h"
#include "data/csv_reader.h"
#include "inference/predict_molecules.h"
#include "inference/predictor.h"

namespace molprop::inference {
namespace fs = std::filesystem;

void CalibrateOptions::validate() const {
  core::check_range<int64_t>("CalibrateOptions::batch_size", batch_size, 1, int64_t{1} << 20);
  core::check_range("CalibrateOptions::min_error_ratio", min_error_ratio, 1.0, 100.0);
  core::check_range("CalibrateOptions::max_out_of_domain", max_out_of_domain, 0.01, 1.0);
  if (data.empty()) throw Error("CalibrateOptions::data: no labelled file given");
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One held-out molecule's numbers for one target.
struct Point {
  double error;       // prediction − label
  double spread;      // raw ensemble spread
  double similarity;  // to the target's labelled training molecules (NaN without a domain)
};

double rmse_of(const std::vector<Point>& points, double lo, double hi) {
  double sum = 0;
  int64_t n = 0;
  for (const Point& p : points) {
    if (p.similarity >= lo && p.similarity < hi) {
      sum += p.error * p.error;
      ++n;
    }
  }
  return n ? std::sqrt(sum / static_cast<double>(n)) : kNaN;
}

double coverage(const std::vector<Point>& points, double scale, double floor, double k) {
  int64_t inside = 0;
  for (const Point& p : points) {
    const double sigma = std::sqrt(scale * scale * p.spread * p.spread + floor * floor);
    inside += std::abs(p.error) <= k * sigma;
  }
  return points.empty() ? kNaN : static_cast<double>(inside) / static_cast<double>(points.size());
}

// σ² = (a·s)² + b² maximising the Gaussian likelihood of the errors, on a grid.
void fit_spread(const std::vector<Point>& points, double rmse, double& scale, double& floor) {
  const bool any_spread = std::any_of(points.begin(), points.end(), [](const Point& p) { return p.spread > 0; });
  if (!any_spread || rmse <= 0) {
    scale = 1;
    floor = rmse;
    return;
  }
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 81; ++i) {
    const double a = 0.1 * std::pow(200.0, i / 80.0);  // 0.1 .. 20
    for (int j = 0; j <= 75; ++j) {
      const double b = rmse * 0.02 * j;  // 0 .. 1.5 RMSE
      double nll = 0;
      for (const Point& p : points) {
        const double var = std::max(a * a * p.spread * p.spread + b * b, 1e-12);
        nll += std::log(var) + p.error * p.error / var;
      }
      if (nll < best) {
        best = nll;
        scale = a;
        floor = b;
      }
    }
  }
}

// See calibrate.h: the largest candidate threshold with at least 10 held-out molecules on
// each side, at most max_fraction of them below it, and a below-threshold RMSE at least
// `ratio` times the RMSE at or above it; false when none qualifies.
bool choose_threshold(const std::vector<Point>& points, double ratio, double max_fraction, double& threshold) {
  bool found = false;
  for (int k = 0; k <= 8; ++k) {
    const double c = 0.20 + 0.05 * k;
    int64_t below = 0;
    for (const Point& p : points) below += p.similarity < c;
    const auto above = static_cast<int64_t>(points.size()) - below;
    if (below < 10 || above < 10 || static_cast<double>(below) > max_fraction * static_cast<double>(points.size())) {
      continue;
    }
    if (rmse_of(points, -1, c) >= ratio * rmse_of(points, c, 2)) {
      threshold = c;
      found = true;
    }
  }
  return found;
}

}  // namespace

CalibrateSummary calibrate(Predictor& predictor, const CalibrateOptions& options) {
  options.validate();
  const auto start = std::chrono::steady_clock::now();
  check_predicts_properties(predictor);
  const checkpoint::ApplicabilityDomain* domain = predictor.domain();
  if (predictor.ensemble_size() < 2 && domain == nullptr) {
    throw Error(predictor.folder() + ": a single model without domain.h5 has nothing to calibrate");
  }
  const std::string& folder = predictor.folder();
  predictor.disable_calibration();

  // The labelled molecules.
  data::CsvReader reader(options.data);
  const int smiles_col = reader.column_index(options.smiles_column);
  const auto& names = predictor.target_names();
  std::vector<int> label_col(names.size(), -1);
  bool any = false;
  for (size_t t = 0; t < names.size(); ++t) {
    const auto& header = reader.header();
    const auto it = std::find(header.begin(), header.end(), names[t]);
    if (it != header.end()) {
      label_col[t] = static_cast<int>(it - header.begin());
      any = true;
    }
  }
  if (!any) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw Error(options.data + ": no column named like a target of the model (" + list + ")");
  }
  std::vector<std::string> smiles;
  std::vector<double> labels;  // rows × targets
  data::CsvRecord record;
  while (reader.next(record)) {
    smiles.push_back(data::field_or_empty(record, smiles_col));
    for (size_t t = 0; t < names.size(); ++t) {
      labels.push_back(label_col[t] < 0 ? kNaN
                                        : data::parse_target(data::field_or_empty(record, label_col[t]), options.data,
                                                             record.row, names[t]));
    }
  }

  CalibrateSummary summary;
  summary.rows = static_cast<int64_t>(smiles.size());
  const std::vector<MoleculePrediction> predicted = predict_smiles(predictor, smiles, options.batch_size);
  std::vector<std::vector<Point>> points(names.size());
  for (size_t i = 0; i < predicted.size(); ++i) {
    const MoleculePrediction& p = predicted[i];
    if (!p.ok()) {
      ++summary.failed;
      continue;
    }
    ++summary.predicted;
    for (size_t t = 0; t < names.size(); ++t) {
      const double y = labels[i * names.size() + t];
      if (std::isnan(y)) continue;
      double similarity = kNaN;
      if (!p.target_similarity.empty()) {
        similarity = p.target_similarity[t];
      } else if (domain) {
        similarity = p.train_similarity;
      }
      // A molecule with a domain note is out of every domain whatever its similarity.
      if (!p.domain_note.empty()) similarity = 0;
      points[t].push_back({p.mean[t] - y, p.std[t], similarity});
    }
  }

  checkpoint::Calibration calibration;
  calibration.data = options.data;
  for (size_t t = 0; t < names.size(); ++t) {
    if (label_col[t] < 0 || points[t].empty()) continue;
    const std::vector<Point>& pts = points[t];
    TargetCalibrationReport r;
    r.name = names[t];
    r.molecules = static_cast<int64_t>(pts.size());
    double sum = 0;
    for (const Point& p : pts) sum += p.error * p.error;
    r.rmse = std::sqrt(sum / static_cast<double>(pts.size()));
    fit_spread(pts, r.rmse, r.spread_scale, r.spread_floor);
    r.raw_coverage_1sd = coverage(pts, 1, 0, 1);
    r.raw_coverage_2sd = coverage(pts, 1, 0, 2);
    r.coverage_1sd = coverage(pts, r.spread_scale, r.spread_floor, 1);
    r.coverage_2sd = coverage(pts, r.spread_scale, r.spread_floor, 2);
    r.domain_threshold = domain ? (domain->num_targets() > t ? domain->threshold(t) : domain->threshold()) : -1;
    if (domain) {
      r.threshold_fallback =
          !choose_threshold(pts, options.min_error_ratio, options.max_out_of_domain, r.domain_threshold);
      for (const Point& p : pts) r.out_of_domain += p.similarity < r.domain_threshold;
      r.rmse_in_domain = rmse_of(pts, r.domain_threshold, 2);
      r.rmse_out_of_domain = rmse_of(pts, -1, r.domain_threshold);
    }
    auto number = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
    // Every candidate threshold's split of the held-out errors, for the record.
    nlohmann::json candidates = nlohmann::json::array();
    if (domain) {
      for (int k = 0; k <= 8; ++k) {
        const double c = 0.20 + 0.05 * k;
        int64_t below = 0;
        for (const Point& p : pts) below += p.similarity < c;
        candidates.push_back({{"threshold", c},
                              {"below", below},
                              {"rmse_below", number(rmse_of(pts, -1, c))},
                              {"rmse_at_or_above", number(rmse_of(pts, c, 2))}});
      }
    }
    checkpoint::TargetCalibration tc;
    tc.spread_scale = r.spread_scale;
    tc.spread_floor = r.spread_floor;
    tc.domain_threshold = r.domain_threshold;
    tc.validation_json = nlohmann::json{{"molecules", r.molecules},
                                        {"rmse", r.rmse},
                                        {"raw_coverage_1sd", number(r.raw_coverage_1sd)},
                                        {"raw_coverage_2sd", number(r.raw_coverage_2sd)},
                                        {"coverage_1sd", number(r.coverage_1sd)},
                                        {"coverage_2sd", number(r.coverage_2sd)},
                                        {"threshold_rule", r.threshold_fallback ? "fallback" : "error ratio"},
                                        {"min_error_ratio", options.min_error_ratio},
                                        {"max_out_of_domain", options.max_out_of_domain},
                                        {"out_of_domain", r.out_of_domain},
                                        {"rmse_in_domain", number(r.rmse_in_domain)},
                                        {"rmse_out_of_domain", number(r.rmse_out_of_domain)},
                                        {"candidates", candidates}}
                             .dump();
    calibration.targets[r.name] = tc;
    summary.targets.push_back(r);
  }
  if (calibration.targets.empty()) throw Error(options.data + ": no labelled molecule could be predicted");
  checkpoint::save_calibration(folder, calibration);
  summary.written = (fs::path(folder) / checkpoint::kCalibrationFileName).string();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace molprop::inference
