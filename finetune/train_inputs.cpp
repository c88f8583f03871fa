#include "finetune/train_inputs.h"

#include <cstdio>
#include <unordered_map>

#include "core/check.h"
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
  if (o.split == "random") return {data::random_split(n, sizes, o.train.seed)};
  if (o.split == "scaffold") return {data::scaffold_balanced_split(ds.scaffold_ids(), sizes, o.train.seed)};
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
    throw Error("TrainRunOptions::target_units has " + std::to_string(o.target_units.size()) + " entries for " + std::to_string(tasks) +
                " targets (" + std::to_string(tasks) + " expected, in target order)");
  }
  return names;
}

}  // namespace molprop::finetune
