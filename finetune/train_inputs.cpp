#include "finetune/train_inputs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "core/check.h"
#include "core/text.h"
#include "data/csv_reader.h"
#include "data/featurize_csv.h"

namespace molprop::finetune {
namespace {

bool is_hdf5_path(const std::string& path) {
  return path.size() > 3 && (path.compare(path.size() - 3, 3, ".h5") == 0 ||
                             (path.size() > 5 && path.compare(path.size() - 5, 5, ".hdf5") == 0));
}

// Opens an .h5 dataset, or featurises a CSV into `cache` first (same code path as
// `molprop featurize`).
std::unique_ptr<data::GraphDataset> open_data(const TrainRunOptions& o, const std::string& path,
                                              const std::string& cache) {
  if (is_hdf5_path(path)) return std::make_unique<data::GraphDataset>(path);
  data::FeaturizeCsvOptions f;
  f.input = path;
  f.output = cache;
  f.smiles_column = o.smiles_column;
  f.targets = o.targets;
  f.featurize.descriptors = o.use_descriptors;
  f.featurize.scaffold = o.split == "scaffold";
  f.threads = o.threads;
  f.quiet = o.quiet;
  const data::FeaturizeSummary s = data::featurize_csv(f);
  if (!o.quiet) {
    std::fprintf(stderr, "molprop train: featurized %s: %lld molecules, %lld failed rows (listed in %s)\n",
                 path.c_str(), static_cast<long long>(s.molecules), static_cast<long long>(s.failed), cache.c_str());
  }
  return std::make_unique<data::GraphDataset>(cache);
}

// split=column: labels come from the CSV, matched to molecules by source row.
data::Split column_split_from_csv(const TrainRunOptions& o, data::GraphDataset& ds) {
  if (is_hdf5_path(o.data)) {
    throw Error(
        "TrainRunOptions::split = column needs the CSV as TrainRunOptions::data (the labels are read from column '" +
        o.split_column + "')");
  }
  data::CsvReader reader(o.data);
  const int col = reader.column_index(o.split_column);
  std::unordered_map<int64_t, std::string> by_row;
  data::CsvRecord rec;
  while (reader.next(rec)) {
    if (static_cast<int>(rec.fields.size()) > col) by_row[rec.row] = rec.fields[col];
  }
  std::vector<std::string> labels;
  labels.reserve(static_cast<size_t>(ds.size()));
  for (int64_t i = 0; i < ds.size(); ++i) labels.push_back(by_row[ds.row(i)]);
  return data::column_split(labels);
}

// The smallest number of molecules (≥ n) for which random_split's rounding gives every part
// with a non-zero fraction at least one molecule; 0 when none up to a limit does.
int64_t molecules_needed(const data::SplitSizes& sizes, int64_t n) {
  for (int64_t m = std::max<int64_t>(n, 1); m <= 10000000; ++m) {
    const auto train = static_cast<int64_t>(sizes[0] * static_cast<double>(m));
    const auto train_val = static_cast<int64_t>((sizes[0] + sizes[1]) * static_cast<double>(m));
    const bool ok =
        (sizes[0] <= 0 || train > 0) && (sizes[1] <= 0 || train_val > train) && (sizes[2] <= 0 || m > train_val);
    if (ok) return m;
  }
  return 0;
}

std::string count_of(int64_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); }

// A random or scaffold split whose fractions ask for a part that came out empty: training
// on it would report "val RMSE nan" (or test metrics of nothing) without saying why.
void check_split_parts(const TrainRunOptions& o, const data::Split& split, const data::SplitSizes& sizes, int64_t n,
                       const std::vector<int32_t>* scaffold_ids) {
  const char* empty_part = nullptr;
  if (split.train.empty()) {
    empty_part = "training";
  } else if (sizes[1] > 0 && split.val.empty()) {
    empty_part = "validation";
  } else if (sizes[2] > 0 && split.test.empty()) {
    empty_part = "test";
  }
  if (empty_part == nullptr) return;
  const std::string part = std::string("the ") + empty_part + " set";
  if (scaffold_ids != nullptr) {
    const auto scaffolds = static_cast<int64_t>(std::set<int32_t>(scaffold_ids->begin(), scaffold_ids->end()).size());
    throw Error(o.data + ": the data has only " + count_of(scaffolds, "scaffold") + " (" + count_of(n, "molecule") +
                "), so a scaffold split cannot make training, validation and test sets (" + part + " is empty" +
                "); use a random split (TrainRunOptions::split = random)");
  }
  const int64_t needed = molecules_needed(sizes, n);
  throw Error(o.data + ": a split " + data::format_split_sizes(sizes) + " of " + count_of(n, "molecule") + " leaves " +
              part + " empty" +
              (needed > n ? "; TrainRunOptions::split_sizes needs at least " + std::to_string(needed) +
                                " molecules, or larger fractions for the empty part"
                          : "; change TrainRunOptions::split_sizes"));
}

}  // namespace

ScratchFiles::~ScratchFiles() {
  for (const auto& f : paths) std::remove(f.c_str());
}

std::vector<int64_t> all_indices(const data::GraphDataset& ds) {
  std::vector<int64_t> v(static_cast<size_t>(ds.size()));
  for (int64_t i = 0; i < ds.size(); ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

std::vector<data::Split> make_splits(const TrainRunOptions& o, data::GraphDataset& ds, bool has_val, bool has_test) {
  const int64_t n = ds.size();
  data::SplitSizes sizes = o.split_sizes;
  // Separate val/test files take the place of those parts of the split.
  if (has_val && has_test) return {data::Split{all_indices(ds), {}, {}}};
  if (has_val) sizes = {sizes[0] / (sizes[0] + sizes[2]), 0, sizes[2] / (sizes[0] + sizes[2])};
  if (has_test) sizes = {sizes[0] / (sizes[0] + sizes[1]), sizes[1] / (sizes[0] + sizes[1]), 0};
  if (o.split == "random") {
    data::Split split = data::random_split(n, sizes, o.train.seed);
    check_split_parts(o, split, sizes, n, nullptr);
    return {split};
  }
  if (o.split == "scaffold") {
    const std::vector<int32_t> ids = ds.scaffold_ids();
    data::Split split = data::scaffold_balanced_split(ids, sizes, o.train.seed);
    check_split_parts(o, split, sizes, n, &ids);
    return {split};
  }
  if (o.split == "kfold") return data::kfold_splits(n, o.num_folds, o.train.seed);
  if (o.split == "column") return {column_split_from_csv(o, ds)};
  throw Error("unknown TrainRunOptions::split '" + o.split + "'; use random, scaffold, kfold or column");
}

// Featurised copies of CSV inputs: rank 0's stay in the folder, the others' are scratch.
void open_inputs(const TrainRunOptions& o, int rank, TrainInputs& in) {
  const bool writer = rank == 0;
  auto cache = [&](const std::string& name) {
    if (writer) return o.output_dir + "/" + name + ".h5";
    in.scratch.paths.push_back(o.output_dir + "/." + name + ".rank" + std::to_string(rank) + ".h5");
    return in.scratch.paths.back();
  };
  TrainRunOptions quiet_options = o;
  quiet_options.quiet = o.quiet || !writer;
  in.ds = open_data(quiet_options, o.data, cache("data"));
  if (!o.val_data.empty()) in.val_ds = open_data(quiet_options, o.val_data, cache("val"));
  if (!o.test_data.empty()) in.test_ds = open_data(quiet_options, o.test_data, cache("test"));
}

// The target names every input agrees on (and the options about targets agree with).
std::vector<std::string> checked_targets(const TrainRunOptions& o, const TrainInputs& in) {
  std::vector<std::string> names = in.ds->info().target_names;
  const auto tasks = static_cast<int64_t>(names.size());
  if (tasks == 0) throw Error(o.data + ": the dataset has no targets to train on");
  // A column without a single value would train nothing and be predicted anyway (a silent
  // wrong answer), and all-empty targets give NaN metrics: refuse, naming the column.
  const std::vector<float> y = in.ds->all_targets();
  for (int64_t t = 0; t < tasks; ++t) {
    bool any = false;
    for (size_t i = static_cast<size_t>(t); i < y.size() && !any; i += static_cast<size_t>(tasks))
      any = !std::isnan(y[i]);
    if (!any) {
      throw Error(o.data + ": target column " + core::quoted(names[static_cast<size_t>(t)]) + " has no values (all " +
                  count_of(in.ds->size(), "molecule") +
                  " are empty or NA); a model would predict it without having seen it: fill it or leave it out of "
                  "TrainRunOptions::targets");
    }
  }
  if (!o.targets.empty() && is_hdf5_path(o.data) && o.targets != names) {
    throw Error(o.data +
                ": TrainRunOptions::targets does not match the targets stored in the dataset; featurize again with "
                "FeaturizeCsvOptions::targets");
  }
  for (auto* other : {in.val_ds.get(), in.test_ds.get()}) {
    if (other && other->info().target_names != names) {
      throw Error(other->info().path + ": targets differ from those of " + o.data);
    }
  }
  if (!o.target_units.empty() && static_cast<int64_t>(o.target_units.size()) != tasks) {
    throw Error("TrainRunOptions::target_units has " + std::to_string(o.target_units.size()) + " entries for " +
                std::to_string(tasks) + " targets (" + std::to_string(tasks) + " expected, in target order)");
  }
  return names;
}

}  // namespace molprop::finetune
