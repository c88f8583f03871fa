// molprop merge: joins the outputs of a sharded `predict` back into one file, in input order.
#include <cstdio>

#include "cli/common.h"
#include "inference/shards.h"

namespace molprop::cli {
namespace {

struct MergeArgs {
  CommonOptions common;
  std::string output;
  std::vector<std::string> shards;
};

void run(MergeArgs& a) {
  resolve_threads(a.common);
  // Embedding shards are HDF5; prediction shards CSV.
  const bool h5 = a.output.size() > 3 && a.output.compare(a.output.size() - 3, 3, ".h5") == 0;
  const inference::MergeSummary s = h5 ? inference::merge_embedding_shards(a.shards, a.output)
                                       : inference::merge_prediction_shards(a.shards, a.output);
  log_info(a.common, "merge", std::to_string(s.shards) + " shards, " + std::to_string(s.rows) + " rows → " + a.output);
}

}  // namespace

void register_merge(CLI::App& app) {
  auto a = std::make_shared<MergeArgs>();
  CLI::App* sub = app.add_subcommand(
      "merge", "Join the outputs of a sharded 'molprop predict' (CSV) or 'molprop embed' (.h5) in input order");
  sub->add_option("--output,-o", a->output, "Merged CSV, or .h5 for embeddings (written atomically)")->required();
  sub->add_option("shards", a->shards,
                  "The shard files, in any order (CSVs each with its .shard.json, or embedding .h5 files)")
      ->required()
      ->check(CLI::ExistingFile);
  add_common_options(*sub, a->common);
  sub->footer(
      "Example:\n"
      "  molprop predict big.smi --shard 0/2 --output part0.csv & molprop predict big.smi --shard 1/2 --output "
      "part1.csv; wait\n"
      "  molprop merge --output all.csv part1.csv part0.csv\n"
      "Refuses, naming the problem, a missing or repeated shard, shards of another input, or a truncated file.");
  sub->callback([a] {
    report_with_flags(
        {
            {"written with PredictCsvOptions::num_shards > 1", "written by 'molprop predict --shard'"},
            {"written without EmbedCsvOptions::num_shards > 1", "written without 'molprop embed --shard'"},
        },
        [&] { run(*a); });
  });
}

}  // namespace molprop::cli
