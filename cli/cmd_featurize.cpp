// molprop featurize: CSV/SMILES file → HDF5 dataset.
#include <cstdio>
#include <sstream>

#include "cli/common.h"
#include "core/text.h"
#include "data/featurize_csv.h"

namespace molprop::cli {
namespace {

// Field names in library errors → this subcommand's flags.
FlagNames featurize_flag_names() {
  return {
      {"FeaturizeCsvOptions::input", "--input"},
      {"FeaturizeCsvOptions::output", "--output"},
      {"FeaturizeCsvOptions::smiles_column", "--smiles-column"},
      {"FeaturizeCsvOptions::chunk_rows", "--chunk-rows"},
      {"FeaturizeCsvOptions::threads", "--threads"},
      {"FeaturizeOptions::standardize", "--standardize"},
      {"FeaturizeOptions::scaffold", "--scaffolds"},
  };
}

struct FeaturizeArgs {
  CommonOptions common;
  data::FeaturizeCsvOptions options;
  std::string targets;  // comma-separated
  bool no_targets = false;
  bool descriptor_set_given = false;  // --descriptor-set implies --descriptors
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void run(FeaturizeArgs& args) {
  const int threads = resolve_threads(args.common);
  auto& o = args.options;
  o.threads = threads;
  o.quiet = args.common.quiet;
  o.targets = split_list(args.targets);
  o.all_other_columns_are_targets = !args.no_targets;
  if (args.descriptor_set_given) o.featurize.descriptors = true;
  o.validate();
  const data::FeaturizeSummary s = data::featurize_csv(o);

  std::ostringstream line;
  line << s.rows << " rows → " << s.molecules << " molecules, " << s.failed << " failed, in "
       << (s.seconds < 10 ? std::to_string(s.seconds).substr(0, 4) : std::to_string(static_cast<int>(s.seconds)))
       << " s (" << static_cast<int64_t>(s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0) << " mol/s, "
       << threads << " threads) → " << o.output;
  log_info(args.common, "featurize", line.str());
  if (!s.target_names.empty()) {
    std::string names;
    for (const auto& t : s.target_names) names += (names.empty() ? "" : ", ") + t;
    log_info(args.common, "featurize", "targets: " + names);
  }
  if (s.failed > 0 && !args.common.quiet) {
    for (const auto& [kind, count] : s.failure_kinds) {
      log_info(args.common, "featurize", "  " + std::to_string(count) + " × " + kind);
    }
    for (const auto& f : s.first_failures) {
      log_info(args.common, "featurize",
               "  row " + std::to_string(f.row) + " " + core::quoted(f.smiles) + ": " + f.reason);
    }
    log_info(args.common, "featurize",
             "all failed rows are stored in the output under /failures ('molprop inspect " + o.output +
                 " --failures 100' lists them)");
  }
}

}  // namespace

void register_featurize(CLI::App& app) {
  auto args = std::make_shared<FeaturizeArgs>();
  CLI::App* sub = app.add_subcommand("featurize", "Turn a CSV or SMILES file into an HDF5 graph dataset");
  auto& o = args->options;
  sub->add_option("--input,-i", o.input, "Input .csv, .csv.gz, .smi or .smi.gz")
      ->required()
      ->check(existing_file_or_stdin());
  sub->add_option("--output,-o", o.output, "Output .h5 (written atomically)")->required();
  sub->add_option("--smiles-column", o.smiles_column, "Column holding the SMILES")->capture_default_str();
  sub->add_option("--targets", args->targets,
                  "Comma-separated target columns (default: every column but the SMILES column)");
  sub->add_flag("--no-targets", args->no_targets, "Store no targets (unlabeled pretraining corpus)")
      ->excludes("--targets");
  sub->add_flag("--descriptors", o.featurize.descriptors,
                "Also compute molecule-level RDKit 2D descriptors (the set --descriptor-set names)");
  sub->add_option("--descriptor-set", o.featurize.descriptor_set,
                  "Descriptor set: rdkit2d-v1 (43 registry values, the default) or rdkit2d-v2 (a few hundred: "
                  "+ MQNs, VSA bins, BCUT2D, AUTOCORR2D, summaries; docs/features.md); implies --descriptors")
      ->capture_default_str();  // checked by FeaturizeCsvOptions::validate(): one line naming the known sets
  sub->add_flag("--atom-targets", o.featurize.atom_targets,
                "Also store per-atom targets (Crippen logP/MR, Gasteiger charge, TPSA, Labute ASA) for the "
                "atom_descriptors pretraining objective");
  sub->add_flag("--scaffolds", o.featurize.scaffold, "Also compute Bemis-Murcko scaffolds (for scaffold splits)");
  sub->add_flag("--standardize", o.featurize.standardize, "Keep the largest fragment and neutralise charges");
  sub->add_option("--chunk-rows", o.chunk_rows, "Rows per unit of parallel work")->capture_default_str();
  add_parse_limit_options(*sub, o.featurize.max_smiles_length, o.featurize.max_atoms);
  add_common_options(*sub, args->common);
  sub->footer(
      "Example:\n"
      "  molprop featurize --input ../shared/data/esol.csv --output esol.h5 --descriptors --scaffolds\n"
      "  molprop featurize --input ../shared/data/zinc250k.csv.gz --output zinc.h5 --no-targets --threads 2");
  sub->callback([args, sub] {
    args->descriptor_set_given = sub->count("--descriptor-set") > 0;
    report_with_flags(featurize_flag_names(), [&] { run(*args); });
  });
}

}  // namespace molprop::cli
