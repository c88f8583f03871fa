// molprop predict: SMILES file in, predictions CSV out.
#include <cstdio>

#include "checkpoint/default_model.h"
#include "cli/common.h"
#include "core/check.h"
#include "inference/predict_csv.h"
#include "inference/predictor.h"
#include "training/runtime_info.h"

namespace molprop::cli {
namespace {

// Field names in library errors → this subcommand's flags.
FlagNames predict_flag_names() {
  return {
      {"PredictCsvOptions::input", "input"},
      {"PredictCsvOptions::output", "--output"},
      {"PredictCsvOptions::format", "--format"},
      {"PredictCsvOptions::smiles_column", "--smiles-column"},
      {"PredictCsvOptions::batch_size", "--batch-size"},
      {"PredictCsvOptions::threads", "--threads"},
      {"PredictCsvOptions::shard_index", "--shard"},
      {"PredictCsvOptions::max_smiles_length", "--max-smiles-length"},
      {"PredictCsvOptions::max_atoms", "--max-atoms"},
      {"PredictCsvOptions::properties", "--properties"},
      // "X is a pretrained encoder, ...; fine-tune it with TrainRunOptions::from X"
      {"TrainRunOptions::from", "`molprop train --from`"},
  };
}

struct PredictArgs {
  CommonOptions common;
  std::string model;
  std::string input_flag;  // --input, the older spelling of the positional argument
  double domain_threshold = -1;
  std::string shard;  // "i/n"
  std::string device = "cpu";
  std::string precision = "auto";
  int tautomer_forms = -1;  // -1: the model's predict.json
  inference::PredictCsvOptions options;
};

void run(PredictArgs& a) {
  training::configure_allocator_for_streaming();
  const int threads = resolve_threads(a.common);
  training::configure_worker_threads();
  auto& o = a.options;
  o.threads = threads;
  o.quiet = a.common.quiet;
  if (!a.input_flag.empty()) {
    if (!o.input.empty() && o.input != a.input_flag) throw Error("give the input once: as an argument or with --input");
    o.input = a.input_flag;
  }
  if (o.input.empty()) throw Error("no input file: molprop predict FILE.smi|FILE.csv (see --help)");
  resolve_shard(a.shard, o.output, o.shard_index, o.num_shards);
  const std::string model = a.model.empty() ? checkpoint::default_model_dir(default_model_override()) : a.model;
  o.validate();
  const std::string arithmetic = resolve_precision_flag(a.precision, false);
  inference::Predictor predictor(model, resolve_device_flag(a.device));
  if (a.domain_threshold >= 0) {
    if (!predictor.domain()) throw Error(model + ": --domain-threshold given, but the model has no domain.h5");
    predictor.domain()->set_threshold(a.domain_threshold);
  }
  if (a.tautomer_forms >= 0) predictor.set_tautomer_forms(a.tautomer_forms);
  if (a.model.empty()) log_info(a.common, "predict", "default model: " + model);
  const inference::PredictSummary s = inference::predict_csv(predictor, o);
  char line[256];
  std::snprintf(line, sizeof line,
                "%lld rows: %lld predicted, %lld failed, in %.2f s (%.0f mol/s, %zu model%s, %d threads, %s) → %s",
                static_cast<long long>(s.rows), static_cast<long long>(s.predicted), static_cast<long long>(s.failed),
                s.seconds, s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0, predictor.ensemble_size(),
                predictor.ensemble_size() == 1 ? "" : "s", threads, arithmetic.c_str(),
                o.output.empty() || o.output == "-" ? "stdout" : o.output.c_str());
  log_info(a.common, "predict", line);
}

}  // namespace

void register_predict(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  CLI::App* sub = app.add_subcommand("predict", "Predict properties for a CSV or SMILES file");
  sub->add_option("input", a->options.input, "Input .csv, .csv.gz, .smi or .smi.gz; - reads CSV from stdin")
      ->check(existing_file_or_stdin());
  sub->add_option("--input,-i", a->input_flag, "Same as the positional input")->check(existing_file_or_stdin());
  sub->add_option("--model,-m", a->model,
                  "A model .h5, or a folder from 'molprop train' (ensemble); default: the model shipped with molprop");
  sub->add_option("--output,-o", a->options.output, "Output CSV, written atomically (default: stdout)");
  sub->add_option("--format", a->options.format, "csv, or table (aligned columns for reading)")
      ->check(CLI::IsMember({"csv", "table"}))
      ->capture_default_str();
  sub->add_option("--device", a->device, "cpu, cuda or cuda:K (CUDA needs a CUDA-enabled LibTorch build)")
      ->capture_default_str();
  sub->add_option("--shard", a->shard,
                  "INDEX/COUNT: predict only this shard of an uncompressed input (default: RANK/WORLD_SIZE when set); "
                  "join the outputs with 'molprop merge'");
  sub->add_option("--domain-threshold", a->domain_threshold,
                  "in_domain is 'no' below this nearest-neighbour Tanimoto, for every target (default: the model's, per target when calibrated)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--properties,-p", a->options.properties,
                  "Comma-separated targets to write, e.g. logP,logS, or 'all' (default: the model's default "
                  "properties; 'molprop inspect MODEL' lists its targets)")
      ->delimiter(',');
  add_tautomer_forms_option(*sub, a->tautomer_forms);
  sub->add_option("--smiles-column", a->options.smiles_column, "CSV input: SMILES column")->capture_default_str();
  sub->add_option("--batch-size", a->options.batch_size, "Molecules per inference batch")->capture_default_str();
  add_precision_option(*sub, a->precision);
  add_parse_limit_options(*sub, a->options.max_smiles_length, a->options.max_atoms);
  add_common_options(*sub, a->common);
  sub->footer(
      "Examples:\n"
      "  molprop predict examples/molecules.smi --format table      # the default model's default properties\n"
      "  molprop predict examples/molecules.smi --properties logP,pKa_basic --output predictions.csv\n"
      "  molprop predict --model runs/esol examples/molecules.smi --output predictions.csv\n"
      "  for i in 0 1 2 3; do molprop predict big.smi --shard $i/4 --output part$i.csv & done; wait\n"
      "  molprop merge --output all.csv part0.csv part1.csv part2.csv part3.csv\n"
      "Every input row is kept, in order: its columns, one column per target (with its unit), <target>_std\n"
      "for ensembles (calibrated when the model has a calibration.json), train_similarity, in_domain (or\n"
      "<target>_in_domain for a per-target domain) and domain_note when the model has a domain.h5, and 'error'\n"
      "(empty when the molecule was predicted). An output column named like an input column gets '_pred'\n"
      "appended (an input with its own 'error' column gets 'error_pred'). '-' as input reads CSV from stdin;\n"
      "no --output writes to stdout.");
  sub->callback([a] { report_with_flags(predict_flag_names(), [&] { run(*a); }); });
}

}  // namespace molprop::cli
