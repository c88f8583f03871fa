// molprop canonicalize: CSV/SMILES file → CSV of canonical SMILES (one row per input row).
#include <cstdio>
#include <sstream>

#include "cli/common.h"
#include "data/canonicalize_csv.h"

namespace molprop::cli {
namespace {

FlagNames canonicalize_flag_names() {
  return {
      {"CanonicalizeCsvOptions::input", "--input"},
      {"CanonicalizeCsvOptions::output", "--output"},
      {"CanonicalizeCsvOptions::smiles_column", "--smiles-column"},
      {"CanonicalizeCsvOptions::chunk_rows", "--chunk-rows"},
      {"CanonicalizeCsvOptions::tautomer_forms", "--tautomer-forms"},
      {"CanonicalizeCsvOptions::threads", "--threads"},
  };
}

struct CanonicalizeArgs {
  CommonOptions common;
  data::CanonicalizeCsvOptions options;
};

void run(CanonicalizeArgs& args) {
  auto& o = args.options;
  o.threads = resolve_threads(args.common);
  o.quiet = args.common.quiet;
  o.validate();
  const data::CanonicalizeSummary s = data::canonicalize_csv(o);
  std::ostringstream line;
  line << s.rows << " rows → " << (s.rows - s.failed) << " canonical SMILES, " << s.failed
       << " unreadable (kept with an error cell) → " << o.output;
  log_info(args.common, "canonicalize", line.str());
}

}  // namespace

void register_canonicalize(CLI::App& app) {
  auto args = std::make_shared<CanonicalizeArgs>();
  CLI::App* sub =
      app.add_subcommand("canonicalize", "Write the RDKit canonical SMILES of every row of a CSV or SMILES file");
  auto& o = args->options;
  sub->add_option("--input,-i", o.input, "Input .csv, .csv.gz, .smi or .smi.gz")->required()->check(CLI::ExistingFile);
  sub->add_option("--output,-o", o.output,
                  "Output .csv (written atomically): row,smiles,canonical_smiles,error, one line per input row")
      ->required();
  sub->add_option("--smiles-column", o.smiles_column, "Column holding the SMILES")->capture_default_str();
  sub->add_flag("--standardize", o.standardize, "Keep the largest fragment and neutralise charges first");
  sub->add_flag("--canonical-tautomer", o.canonical_tautomer,
                "Then write RDKit's canonical tautomer (every tautomer of a compound gives one SMILES)");
  sub->add_option("--tautomer-forms", o.tautomer_forms,
                  "Also write a column 'tautomers': the N most plausible tautomers (RDKit's score), space-separated")
      ->check(CLI::Range(0, chem::kMaxTautomerForms));
  sub->add_option("--chunk-rows", o.chunk_rows, "Rows per unit of parallel work")->capture_default_str();
  add_common_options(*sub, args->common);
  sub->footer(
      "Example (deduplicate a SMILES list by canonical SMILES):\n"
      "  molprop canonicalize -i ../shared/data/qm9.csv.gz -o qm9.canon.csv --threads 2\n"
      "  awk -F, 'NR > 1 && $4 == \"\" && !seen[$3]++ { print $3 }' qm9.canon.csv");
  sub->callback([args] { report_with_flags(canonicalize_flag_names(), [&] { run(*args); }); });
}

}  // namespace molprop::cli
