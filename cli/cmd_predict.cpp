// molprop predict: SMILES file in, predictions CSV out.
#include <cstdio>

#include "cli/common.h"
#include "finetune/predict_csv.h"
#include "finetune/predictor.h"

namespace molprop::cli {
namespace {

struct PredictArgs {
  CommonOptions common;
  std::string model;
  finetune::PredictCsvOptions options;
};

void run(PredictArgs& a) {
  const int threads = resolve_threads(a.common);
  auto& o = a.options;
  o.threads = threads;
  o.quiet = a.common.quiet;
  finetune::Predictor predictor(a.model);
  const finetune::PredictSummary s = finetune::predict_csv(predictor, o);
  char line[256];
  std::snprintf(line, sizeof line, "%lld rows: %lld predicted, %lld failed, in %.2f s (%.0f mol/s, %zu model%s, %d threads) → %s",
                static_cast<long long>(s.rows), static_cast<long long>(s.predicted), static_cast<long long>(s.failed),
                s.seconds, s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0, predictor.ensemble_size(),
                predictor.ensemble_size() == 1 ? "" : "s", threads, o.output.c_str());
  log_info(a.common, "predict", line);
}

}  // namespace

void register_predict(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  CLI::App* sub = app.add_subcommand("predict", "Predict properties for a CSV or SMILES file");
  sub->add_option("--model,-m", a->model, "A model .h5, or a folder from 'molprop train' (ensemble)")->required();
  sub->add_option("--input,-i", a->options.input, "Input .csv, .csv.gz, .smi or .smi.gz")->required()->check(CLI::ExistingFile);
  sub->add_option("--output,-o", a->options.output, "Output CSV (written atomically)")->required();
  sub->add_option("--smiles-column", a->options.smiles_column, "CSV input: SMILES column")->capture_default_str();
  sub->add_option("--batch-size", a->options.batch_size, "Molecules per inference batch")
      ->check(CLI::Range(1, 1 << 20))->capture_default_str();
  add_common_options(*sub, a->common);
  sub->footer(
      "Example:\n"
      "  molprop predict --model runs/esol --input examples/molecules.smi --output predictions.csv\n"
      "Every input row is kept, in order: its columns, one column per target, <target>_std for\n"
      "ensembles, and 'error' (empty when the molecule was predicted).");
  sub->callback([a] { run(*a); });
}

}  // namespace molprop::cli
