#pragma once
// The inputs of one `molprop train` run (finetune/train_run.h): its datasets (HDF5, or a
// CSV featurised through the same pipeline as `molprop featurize`), checked against each
// other and against the options, and its splits.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/graph_dataset.h"
#include "data/splits.h"
#include "finetune/train_run.h"

namespace molprop::finetune {

// Featurised copies of CSV inputs that are not rank 0's: removed when the run ends.
struct ScratchFiles {
  std::vector<std::string> paths;
  ~ScratchFiles();
};

// The run's datasets. The scratch files are declared first, so they are removed only
// after the datasets are closed, also when opening one of them fails.
struct TrainInputs {
  ScratchFiles scratch;
  std::unique_ptr<data::GraphDataset> ds, val_ds, test_ds;  // val/test: only with val_data / test_data
};

// Opens (featurising a CSV first) data, val_data and test_data into `in`.
void open_inputs(const TrainRunOptions& o, int rank, TrainInputs& in);

// The target names every input agrees on (and the options about targets agree with).
std::vector<std::string> checked_targets(const TrainRunOptions& o, const TrainInputs& in);

// The folds of `ds` for o.split; separate val/test files take the place of those parts.
std::vector<data::Split> make_splits(const TrainRunOptions& o, data::GraphDataset& ds, bool has_val, bool has_test);

// 0 .. ds.size() − 1.
std::vector<int64_t> all_indices(const data::GraphDataset& ds);

}  // namespace molprop::finetune
