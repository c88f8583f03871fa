// molprop robustness: how far predictions move between ways of writing the same compound
// (spelling, tautomer, charge state, explicit hydrogens; inference/robustness.h).
#include <cmath>
#include <cstdio>

#include "checkpoint/default_model.h"
#include "cli/common.h"
#include "core/check.h"
#include "inference/predictor.h"
#include "inference/robustness.h"

namespace molprop::cli {
namespace {

FlagNames robustness_flag_names() {
  return {
      {"RobustnessOptions::input", "input"},
      {"RobustnessOptions::batch_size", "--batch-size"},
      {"RobustnessOptions::max_molecules", "--max-molecules"},
      {"RobustnessOptions::worst", "--worst"},
      {"RobustnessOptions::variants.max_tautomers", "--max-tautomers"},
      {"RobustnessOptions::variants", "--variants"},
      {"TrainRunOptions::from", "`molprop train --from`"},
  };
}

struct RobustnessArgs {
  CommonOptions common;
  std::string model;  // default: the shipped default model
  std::vector<std::string> variants = {"spelling", "tautomer", "charge", "explicit_h"};
  int tautomer_forms = -1;  // -1: the model's predict.json
  inference::RobustnessOptions options;
};

std::string num(double v) {
  if (std::isnan(v)) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

void run(RobustnessArgs& a) {
  resolve_threads(a.common);
  auto& o = a.options;
  o.quiet = a.common.quiet;
  o.variants.spelling = o.variants.tautomer = o.variants.charge = o.variants.explicit_h = false;
  for (const auto& v : a.variants) {
    if (v == "spelling") o.variants.spelling = true;
    else if (v == "tautomer") o.variants.tautomer = true;
    else if (v == "charge") o.variants.charge = true;
    else if (v == "explicit_h") o.variants.explicit_h = true;
    else throw Error("--variants: unknown kind " + v + " (spelling, tautomer, charge, explicit_h)");
  }
  const bool default_model = a.model.empty();
  if (default_model) a.model = checkpoint::default_model_dir(default_model_override());
  o.validate();
  inference::Predictor predictor(a.model);
  if (a.tautomer_forms >= 0) predictor.set_tautomer_forms(a.tautomer_forms);
  if (default_model) log_info(a.common, "robustness", "default model: " + a.model);
  const inference::RobustnessReport r = inference::measure_robustness(predictor, o);
  std::printf("%-11s %-11s %9s %9s %7s %7s %7s %7s %9s\n", "kind", "target", "molecules", "variants", "mean",
              "median", "p95", "max", "test RMSE");
  for (const auto& k : r.kinds) {
    for (size_t j = 0; j < r.targets.size(); ++j) {
      const auto& d = k.drift[j];
      std::printf("%-11s %-11s %9lld %9lld %7s %7s %7s %7s %9s\n", k.kind.c_str(), r.targets[j].c_str(),
                  static_cast<long long>(d.molecules), static_cast<long long>(k.variants), num(d.mean).c_str(),
                  num(d.median).c_str(), num(d.p95).c_str(), num(d.max).c_str(), num(r.test_rmse[j]).c_str());
    }
  }
  for (const auto& k : r.kinds) {
    for (const auto& w : k.worst) {
      std::printf("worst %s (%s): %s → %s, |Δ| %s\n", k.kind.c_str(), r.targets.front().c_str(), w.smiles.c_str(),
                  w.variant.c_str(), num(w.drift).c_str());
    }
  }
  char line[256];
  std::snprintf(line, sizeof line, "%lld molecules (%lld failed) in %.1f s%s%s", static_cast<long long>(r.molecules),
                static_cast<long long>(r.failed), r.seconds, o.output.empty() ? "" : " → ", o.output.c_str());
  log_info(a.common, "robustness", line);
}

}  // namespace

void register_robustness(CLI::App& app) {
  auto a = std::make_shared<RobustnessArgs>();
  CLI::App* sub = app.add_subcommand(
      "robustness", "How far predictions move between tautomers, charge states, spellings and explicit-H forms");
  sub->add_option("input", a->options.input, "Molecules: .csv, .csv.gz, .smi or .smi.gz")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--model,-m", a->model, "A model .h5 or folder (default: the model shipped with molprop)");
  sub->add_option("--output,-o", a->options.output,
                  "Detail CSV, one row per variant: row,smiles,kind,variant,<target>_delta...,error");
  sub->add_option("--variants", a->variants, "Comma-separated kinds: spelling, tautomer, charge, explicit_h")
      ->delimiter(',')
      ->capture_default_str();
  sub->add_option("--max-tautomers", a->options.variants.max_tautomers, "Other tautomers per molecule")
      ->capture_default_str();
  add_tautomer_forms_option(*sub, a->tautomer_forms);
  sub->add_option("--max-molecules", a->options.max_molecules, "Only the first N molecules (0: all)")
      ->capture_default_str();
  sub->add_option("--worst", a->options.worst, "Worst molecules listed per kind")->capture_default_str();
  sub->add_option("--smiles-column", a->options.smiles_column, "CSV input: SMILES column")->capture_default_str();
  sub->add_option("--batch-size", a->options.batch_size, "Molecules per inference batch")->capture_default_str();
  add_common_options(*sub, a->common);
  sub->footer(
      "Example:\n"
      "  molprop robustness ../shared/data/esol.csv --variants tautomer,charge --output drift.csv\n"
      "Prints, per variant kind and target, how many molecules had such a variant and the mean, median,\n"
      "95th percentile and largest |prediction(variant) − prediction(molecule)|, next to the model's test\n"
      "RMSE (from its metrics.json); then the worst molecules. How each kind is made: docs/robustness.md.");
  sub->callback([a] { report_with_flags(robustness_flag_names(), [&] { run(*a); }); });
}

}  // namespace molprop::cli
