// molprop inspect: what is in an HDF5 dataset.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_set>

#include "cli/common.h"
#include "data/graph_dataset.h"

namespace molprop::cli {
namespace {

struct InspectArgs {
  CommonOptions common;
  std::string path;
  int failures = 10;
};

void run(InspectArgs& args) {
  data::GraphDatasetOptions options;
  options.mode = data::GraphDatasetOptions::Mode::kStreaming;
  data::GraphDataset ds(args.path, options);
  // Read every block once, with the checks training makes, before summarising: a damaged
  // file (offsets, bond indices, out-of-vocabulary features) is an error, not a summary.
  ds.validate_all();
  const data::DatasetInfo& info = ds.info();
  std::printf("file:        %s\n", info.path.c_str());
  std::printf("format:      molprop-dataset v%lld, features v%lld\n", static_cast<long long>(info.format_version),
              static_cast<long long>(info.featurizer_version));
  std::printf("vocabulary:  %s\n", info.vocabulary.c_str());
  std::printf("source:      %s (sha256 %s)\n", info.source_file.c_str(), info.source_sha256.c_str());
  std::printf("rows:        %lld read, %lld molecules, %lld failed%s\n", static_cast<long long>(info.num_rows),
              static_cast<long long>(info.num_molecules), static_cast<long long>(info.num_failed),
              info.standardized ? " (standardised)" : "");
  std::printf("graph:       %lld atoms, %lld directed bonds\n", static_cast<long long>(info.num_atoms),
              static_cast<long long>(info.num_edges));

  std::vector<int32_t> counts = ds.atom_counts();
  if (!counts.empty()) {
    std::vector<int32_t> sorted = counts;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&](double p) { return sorted[static_cast<size_t>(p * static_cast<double>(sorted.size() - 1))]; };
    double mean = 0;
    for (int32_t c : counts) mean += c;
    mean /= static_cast<double>(counts.size());
    std::printf("atoms/mol:   min %d, p5 %d, median %d, mean %.1f, p95 %d, max %d\n", sorted.front(), pct(0.05),
                pct(0.5), mean, pct(0.95), sorted.back());
    // A coarse histogram in bins of 10 atoms.
    const int bins = sorted.back() / 10 + 1;
    std::vector<int64_t> hist(static_cast<size_t>(bins), 0);
    for (int32_t c : counts) ++hist[static_cast<size_t>(c / 10)];
    const int64_t peak = *std::max_element(hist.begin(), hist.end());
    for (int b = 0; b < bins; ++b) {
      if (hist[static_cast<size_t>(b)] == 0) continue;
      const int width =
          static_cast<int>(40.0 * static_cast<double>(hist[static_cast<size_t>(b)]) / static_cast<double>(peak));
      std::printf("  %3d-%-3d %8lld %s\n", b * 10, b * 10 + 9, static_cast<long long>(hist[static_cast<size_t>(b)]),
                  std::string(static_cast<size_t>(std::max(width, 1)), '#').c_str());
    }
  }

  const size_t t = info.target_names.size();
  if (t > 0) {
    std::vector<float> y = ds.all_targets();
    std::printf("targets:     %zu\n", t);
    std::printf("  %-24s %8s %8s %10s %10s %10s %10s\n", "name", "count", "missing", "mean", "std", "min", "max");
    for (size_t j = 0; j < t; ++j) {
      double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
      int64_t n = 0, missing = 0;
      for (size_t i = j; i < y.size(); i += t) {
        if (std::isnan(y[i])) {
          ++missing;
          continue;
        }
        ++n;
        sum += y[i];
        sq += static_cast<double>(y[i]) * y[i];
        lo = std::min(lo, static_cast<double>(y[i]));
        hi = std::max(hi, static_cast<double>(y[i]));
      }
      const double mean = n > 0 ? sum / static_cast<double>(n) : NAN;
      const double var = n > 1 ? (sq - sum * mean) / static_cast<double>(n - 1) : NAN;
      std::printf("  %-24s %8lld %8lld %10.4g %10.4g %10.4g %10.4g\n", info.target_names[j].c_str(),
                  static_cast<long long>(n), static_cast<long long>(missing), mean, std::sqrt(std::max(0.0, var)), lo,
                  hi);
    }
  } else {
    std::printf("targets:     none (unlabeled)\n");
  }
  if (!info.descriptor_names.empty()) {
    std::printf("descriptors: %zu %s(%s, %s, ...)\n", info.descriptor_names.size(),
                info.descriptor_set.empty() ? "" : (info.descriptor_set + " ").c_str(),
                info.descriptor_names[0].c_str(),
                info.descriptor_names.size() > 1 ? info.descriptor_names[1].c_str() : "");
  } else {
    std::printf("descriptors: none\n");
  }
  if (!info.atom_target_names.empty()) {
    std::string names;
    for (const auto& n : info.atom_target_names) names += (names.empty() ? "" : ", ") + n;
    std::printf("atom targets: %zu per atom (%s)\n", info.atom_target_names.size(), names.c_str());
  }
  if (info.has_scaffolds) {
    std::vector<int32_t> ids = ds.scaffold_ids();
    std::unordered_set<int32_t> unique(ids.begin(), ids.end());
    std::printf("scaffolds:   %zu distinct\n", unique.size());
  } else {
    std::printf("scaffolds:   not stored\n");
  }
  if (info.num_failed > 0) {
    std::vector<data::FailureRecord> failures = ds.failures();
    std::printf("failures:    %zu", failures.size());
    const size_t shown = std::min(failures.size(), static_cast<size_t>(std::max(0, args.failures)));
    std::printf(shown < failures.size() ? " (first %zu shown)\n" : "\n", shown);
    for (size_t i = 0; i < shown; ++i) {
      std::printf("  row %lld '%s': %s\n", static_cast<long long>(failures[i].row), failures[i].smiles.c_str(),
                  failures[i].reason.c_str());
    }
  }
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto args = std::make_shared<InspectArgs>();
  CLI::App* sub = app.add_subcommand("inspect", "Summarise an HDF5 dataset: counts, targets, atoms, failures");
  sub->add_option("dataset", args->path, "Dataset written by 'molprop featurize'")->required();
  sub->add_option("--failures", args->failures, "How many failed rows to list")->capture_default_str();
  add_common_options(*sub, args->common);
  sub->footer("Example:\n  molprop inspect esol.h5 --failures 20");
  sub->callback([args] { run(*args); });
}

}  // namespace molprop::cli
