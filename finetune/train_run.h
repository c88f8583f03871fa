#pragma once
// One `molprop train` invocation: data in (HDF5, or CSV featurised through the same
// pipeline as `molprop featurize`), splits, k folds × ensemble members, and everything
// written to the output folder (models, metrics.json, per-epoch log, split indices,
// command line, and domain.h5: fingerprints of the training molecules for the
// applicability-domain column of `molprop predict`).
#include <cstdint>
#include <string>
#include <vector>

#include "chem/featurizer.h"
#include "data/splits.h"
#include "finetune/trainer.h"
#include "models/model_config.h"
#include "training/distributed_env.h"

namespace molprop::finetune {

struct TrainRunOptions {
  std::string data;                       // .h5 dataset, or .csv/.csv.gz featurised on the fly
  std::string val_data, test_data;        // optional fixed validation / test files
  std::vector<std::string> targets;       // CSV input: target columns (empty = all but SMILES)
  std::vector<std::string> target_units;  // optional, one per target; stored in the checkpoints
  std::string smiles_column = "smiles";
  std::string output_dir;
  std::string split = "random";  // random | scaffold | kfold | column
  data::SplitSizes split_sizes{0.8, 0.1, 0.1};
  std::string split_column = "split";  // CSV column with train/val/test for split=column
  int num_folds = 5;                   // split=kfold, 2..100
  int ensemble_size = 1;               // models per split, 1..100
  bool use_descriptors = false;        // join the dataset's RDKit descriptors after the readout
  std::string from;                    // pretrained checkpoint whose encoder is reused
  // With `from`: the model's readout is the pretrained checkpoint's (and its weights, if it has
  // any), so that fine-tuning pools the atom states the way pretraining did; model.readout is
  // then ignored. false: model.readout as set.
  bool readout_from_pretrained = true;
  // "mlp": the model's own head, trained (end to end unless freeze_encoder).
  // "ridge" | "gp": a closed-form regressor on fixed representations: the `from`
  // model's embeddings, or ECFP4 fingerprints with representation "ecfp" (a baseline;
  // evaluated and reported, but not saved as a model).
  std::string head = "mlp";
  std::string representation = "embedding";  // "embedding" | "ecfp"
  models::ModelConfig model;                 // encoder/readout/head options (tasks filled in)
  TrainOptions train;
  // How the targets share the loss when train.target_weights is empty (target_weights_for):
  // "equal" (every label alike: a target with more labels counts more), "sqrt" (weight
  // ∝ 1/√labels) or "balanced" (∝ 1/labels: every target counts alike). Explicit
  // train.target_weights need "equal" here.
  std::string target_weighting = "equal";
  int threads = 1;
  std::string device = "cpu";  // models train here; batches follow the model's device
  // Data-parallel training (models/distributed.h): every rank runs the same folds and
  // members on its slice of each batch; only rank 0 writes the output folder.
  training::DistributedEnv distributed;
  int64_t distributed_timeout_ms = training::kDefaultDistributedTimeoutMs;  // 1 s .. 1 day
  bool quiet = false;
  std::string command_line;  // recorded in the output folder

  // Range-checks every setting, the component options (model, train) and the
  // combinations (a closed-form head needs `from` or ecfp, and one process); throws
  // molprop::Error naming the field (TrainRunOptions::num_folds, ...).
  void validate() const;
};

// The weightings TrainRunOptions::target_weighting accepts: "equal", "sqrt", "balanced".
std::vector<std::string> target_weighting_names();

// The loss weight of each target under TrainRunOptions::target_weighting, from the number
// of training labels of each target (n_t): 1, √(n̄ / n_t) or n̄ / n_t, where n̄ is the mean
// count; a target without labels gets 0.
std::vector<double> target_weights_for(const std::string& weighting, const std::vector<int64_t>& label_counts);

// The head kinds TrainRunOptions::head accepts: "mlp", then the regressor registry's.
std::vector<std::string> head_names();

struct TrainRunSummary {
  std::vector<std::string> target_names;
  // Per split ("train", "val", "test"), per task: mean and std over folds of the
  // ensemble's RMSE (std over folds; 0 for a single split).
  struct TaskSummary {
    std::string split, task;
    MeanStd rmse, mae, r2;
  };
  std::vector<TaskSummary> tasks;
  double train_molecules_per_second = 0;
  int workers = 1;  // TrainOptions::workers as used (1 where the model cannot be cut into parts)
  std::vector<std::string> model_paths;
};

TrainRunSummary run_training(const TrainRunOptions& options);

}  // namespace molprop::finetune
