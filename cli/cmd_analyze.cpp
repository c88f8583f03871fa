// molprop analyze: the oversmoothing diagnostic, one line per message-passing layer.
#include <cstdio>

#include "checkpoint/checkpoint.h"
#include "checkpoint/model_files.h"
#include "cli/common.h"
#include "core/check.h"
#include "core/output_paths.h"
#include "inference/oversmoothing.h"

namespace molprop::cli {
namespace {

// Field names in library errors → this subcommand's flags.
FlagNames analyze_flag_names() {
  return {
      {"OversmoothingCsvOptions::input", "--input"},
      {"OversmoothingCsvOptions::smiles_column", "--smiles-column"},
      {"OversmoothingCsvOptions::max_molecules", "--max-molecules"},
      {"OversmoothingCsvOptions::batch_size", "--batch-size"},
      {"OversmoothingCsvOptions::threads", "--threads"},
  };
}

struct AnalyzeArgs {
  CommonOptions common;
  std::string model;
  std::string output;  // optional CSV
  inference::OversmoothingCsvOptions options;
};

void run(AnalyzeArgs& a) {
  const int threads = resolve_threads(a.common);
  auto& o = a.options;
  o.threads = threads;
  o.quiet = a.common.quiet;
  o.validate();
  const std::vector<std::string> files = checkpoint::model_files(resolve_model_argument(a.model));
  if (!a.output.empty()) core::check_output_is_not_input(a.output, {o.input, files.front()});
  if (files.size() > 1)
    log_info(a.common, "analyze",
             "analysing the first of " + std::to_string(files.size()) + " models: " + files.front());
  models::PropertyModel model = checkpoint::load_checkpoint(files.front());
  const inference::OversmoothingCsvResult r = inference::measure_oversmoothing_csv(model, o);
  if (r.report.output.molecules == 0) {
    throw molprop::Error(o.input + ": no molecule with two or more atoms among the " + std::to_string(r.rows) +
                         " rows read; nothing to measure");
  }
  const auto& enc = model->config().encoder;
  std::printf("# %s: encoder %s, depth %lld, residual %s, jk %s, %lld molecules with >= 2 atoms\n",
              files.front().c_str(), enc.name.c_str(), static_cast<long long>(enc.depth), enc.residual ? "yes" : "no",
              enc.jk.c_str(), static_cast<long long>(r.report.output.molecules));
  std::printf("%-6s %12s %17s\n", "layer", "mean_cosine", "dirichlet_energy");
  for (const auto& s : r.report.layers) std::printf("%-6d %12.4f %17.4f\n", s.layer, s.mean_cosine, s.dirichlet_energy);
  std::printf("%-6s %12.4f %17.4f\n", "output", r.report.output.mean_cosine, r.report.output.dirichlet_energy);
  if (!a.output.empty()) inference::write_oversmoothing_csv(r.report, a.output);
  char line[256];
  std::snprintf(line, sizeof line, "%lld rows: %lld molecules analysed, %lld failed, in %.2f s%s%s",
                static_cast<long long>(r.rows), static_cast<long long>(r.molecules), static_cast<long long>(r.failed),
                r.seconds, a.output.empty() ? "" : " → ", a.output.c_str());
  log_info(a.common, "analyze", line);
}

}  // namespace

void register_analyze(CLI::App& app) {
  auto a = std::make_shared<AnalyzeArgs>();
  CLI::App* sub =
      app.add_subcommand("analyze", "Oversmoothing diagnostic: how alike atom states become, layer by layer");
  sub->add_option("--model,-m", a->model,
                  "A molprop checkpoint .h5, a folder from 'molprop train' (its first model), or 'foundation' (the encoder shipped with molprop)")
      ->required();
  sub->add_option("--input,-i", a->options.input, "Molecules: .csv, .csv.gz, .smi or .smi.gz")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--output,-o", a->output,
                  "Also write the table as CSV (layer,mean_cosine,dirichlet_energy,molecules)");
  sub->add_option("--smiles-column", a->options.smiles_column, "CSV input: SMILES column")->capture_default_str();
  sub->add_option("--max-molecules", a->options.max_molecules, "Analyse the first N molecules that parse")
      ->capture_default_str();
  sub->add_option("--batch-size", a->options.batch_size, "Molecules per encoder batch")->capture_default_str();
  add_common_options(*sub, a->common);
  sub->footer(
      "Example:\n"
      "  molprop analyze --model runs/esol/model.h5 --input examples/molecules.smi --output layers.csv\n"
      "Per message-passing layer, over molecules with >= 2 atoms, on atom states centred on the\n"
      "mean state of all analysed atoms: the mean pairwise cosine similarity of a molecule's\n"
      "atom states (-> 1 as they collapse), and the Dirichlet energy (1/atoms) sum over bonds\n"
      "|h_u - h_v|^2, with states divided by the molecule's mean state norm (-> 0 as they\n"
      "collapse). 'output' is what the readout sees: the jumping-knowledge combination of the\n"
      "layers (or D-MPNN's atom output). Definitions: finetune/oversmoothing.h.");
  sub->callback([a] { report_with_flags(analyze_flag_names(), [&] { run(*a); }); });
}

}  // namespace molprop::cli
