// molprop calibrate: a trained model folder + held-out labelled molecules → calibration.json
// (calibrated uncertainty and a domain threshold per target; inference/calibrate.h).
#include <cmath>
#include <cstdio>

#include "cli/common.h"
#include "core/check.h"
#include "inference/calibrate.h"
#include "inference/predictor.h"

namespace molprop::cli {
namespace {

FlagNames calibrate_flag_names() {
  return {
      {"CalibrateOptions::data", "--data"},
      {"CalibrateOptions::smiles_column", "--smiles-column"},
      {"CalibrateOptions::batch_size", "--batch-size"},
      {"CalibrateOptions::min_error_ratio", "--min-error-ratio"},
      {"CalibrateOptions::max_out_of_domain", "--max-out-of-domain"},
      {"TrainRunOptions::from", "`molprop train --from`"},
  };
}

struct CalibrateArgs {
  CommonOptions common;
  std::string model;
  inference::CalibrateOptions options;
};

std::string cell(double v, const char* format = "%.3f") {
  if (std::isnan(v)) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

void run(CalibrateArgs& a) {
  resolve_threads(a.common);
  auto& o = a.options;
  o.quiet = a.common.quiet;
  o.validate();
  inference::Predictor predictor(a.model);
  const inference::CalibrateSummary s = inference::calibrate(predictor, o);
  log_info(a.common, "calibrate",
           std::to_string(s.rows) + " rows: " + std::to_string(s.predicted) + " predicted, " +
               std::to_string(s.failed) + " failed, in " + cell(s.seconds, "%.1f") + " s → " + s.written);
  if (a.common.quiet) return;
  std::fprintf(stderr, "%-12s %6s %7s %7s %7s %9s %9s %9s %9s %6s %5s %8s %8s\n", "target", "n", "rmse", "scale",
               "floor", "raw 1sd", "raw 2sd", "cal 1sd", "cal 2sd", "thresh", "ood", "rmse in", "rmse ood");
  for (const auto& r : s.targets) {
    std::fprintf(stderr, "%-12s %6lld %7s %7s %7s %9s %9s %9s %9s %5s%s %5lld %8s %8s\n", r.name.c_str(),
                 static_cast<long long>(r.molecules), cell(r.rmse).c_str(), cell(r.spread_scale, "%.2f").c_str(),
                 cell(r.spread_floor).c_str(), cell(r.raw_coverage_1sd, "%.2f").c_str(),
                 cell(r.raw_coverage_2sd, "%.2f").c_str(), cell(r.coverage_1sd, "%.2f").c_str(),
                 cell(r.coverage_2sd, "%.2f").c_str(), cell(r.domain_threshold, "%.2f").c_str(),
                 r.threshold_fallback ? "*" : " ", static_cast<long long>(r.out_of_domain),
                 cell(r.rmse_in_domain).c_str(), cell(r.rmse_out_of_domain).c_str());
  }
  std::fprintf(stderr, "(* the domain file's threshold: no candidate separated the errors)\n");
}

}  // namespace

void register_calibrate(CLI::App& app) {
  auto a = std::make_shared<CalibrateArgs>();
  CLI::App* sub = app.add_subcommand(
      "calibrate", "Calibrate a model folder's uncertainty and per-target domain on held-out labelled molecules");
  sub->add_option("model", a->model, "A model folder from 'molprop train' (calibration.json is written there)")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("--data,-d", a->options.data,
                  "Held-out labelled CSV (the validation split, never the test set): a SMILES column and one "
                  "column per target, named as the model's targets; empty cells are skipped")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--smiles-column", a->options.smiles_column, "SMILES column")->capture_default_str();
  sub->add_option("--batch-size", a->options.batch_size, "Molecules per inference batch")->capture_default_str();
  sub->add_option("--min-error-ratio", a->options.min_error_ratio,
                  "A domain threshold must leave molecules below it with at least this many times the RMSE of "
                  "those above")
      ->capture_default_str();
  sub->add_option("--max-out-of-domain", a->options.max_out_of_domain,
                  "A domain threshold may put at most this fraction of the held-out molecules out of domain")
      ->capture_default_str();
  add_common_options(*sub, a->common);
  sub->footer(
      "Example:\n"
      "  molprop calibrate runs/multitask --data runs/multitask/val.csv\n"
      "Writes <model>/calibration.json: per target, the spread scale and floor that make the ensemble's\n"
      "standard deviation match the held-out errors (Gaussian likelihood), the observed coverage of ±1σ/±2σ\n"
      "before and after, and the similarity threshold below which held-out errors grow (the domain).\n"
      "'molprop predict' applies it from then on; delete the file to go back.");
  sub->callback([a] { report_with_flags(calibrate_flag_names(), [&] { run(*a); }); });
}

}  // namespace molprop::cli
