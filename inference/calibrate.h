#pragma once
// Calibration of a trained model folder on held-out labelled molecules: the pipeline
// behind `molprop calibrate`. Writes calibration.json into the predictor's folder
// (checkpoint/model_settings.h), which `predict` then applies:
//
// - Uncertainty. Per target, the reported standard deviation becomes
//   σ = sqrt((a·s)² + b²), s the raw ensemble spread, with a (spread_scale) and
//   b (spread_floor) maximising the Gaussian likelihood of the held-out errors (grid
//   search). A single model (s = 0) gets σ = b = its held-out RMSE.
// - Applicability domain. Per target, the threshold on the similarity to that target's
//   labelled training molecules: the largest of the candidates 0.20, 0.25, ..., 0.60 below
//   which the held-out RMSE is at least `min_error_ratio` times the RMSE at or above it,
//   with at least 10 held-out molecules on each side and at most `max_out_of_domain` of
//   them below (a check that flags most molecules drawn like the training set is no longer
//   a warning); when none qualifies, the domain file's threshold stays ("fallback").
//
// The held-out molecules must not be the test set a model is judged on: use the
// validation split (scripts/train-default-model.sh writes it from splits.json).
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::inference {

class Predictor;

struct CalibrateOptions {
  std::string data;                      // CSV: a SMILES column and a column per target to calibrate
  std::string smiles_column = "smiles";  // targets are found by the model's target names
  int64_t batch_size = 256;              // molecules per inference batch, 1..2^20
  double min_error_ratio = 1.5;          // see above, 1..100
  double max_out_of_domain = 0.25;       // see above, 0.01..1
  bool quiet = false;

  // Range-checks every setting; throws molprop::Error naming the field
  // (CalibrateOptions::batch_size, ...).
  void validate() const;
};

struct TargetCalibrationReport {
  std::string name;
  int64_t molecules = 0;  // held-out molecules with this label that were predicted
  double rmse = 0;
  double spread_scale = 1, spread_floor = 0;
  double raw_coverage_1sd = 0, raw_coverage_2sd = 0;  // |error| within 1 / 2 raw spreads
  double coverage_1sd = 0, coverage_2sd = 0;          // within 1 / 2 calibrated σ
  double domain_threshold = 0;
  bool threshold_fallback = false;
  int64_t out_of_domain = 0;
  double rmse_in_domain = 0, rmse_out_of_domain = 0;  // NaN when that side is empty
};

struct CalibrateSummary {
  int64_t rows = 0, predicted = 0, failed = 0;
  std::vector<TargetCalibrationReport> targets;  // the model's targets found in the data
  std::string written;                           // path of calibration.json
  double seconds = 0;
};

// Throws molprop::Error naming the file (and row) for an unreadable CSV, a label that is
// not a number, no column named like a target, or a model without an ensemble or domain
// to calibrate.
CalibrateSummary calibrate(Predictor& predictor, const CalibrateOptions& options);

}  // namespace molprop::inference
