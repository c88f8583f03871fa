#pragma once
// Supervised training of one PropertyModel: multi-task regression with a NaN-masked MSE
// loss on standardised targets, Adam with Chemprop's Noam-like schedule, gradient
// clipping, and early stopping that keeps the epoch with the best validation RMSE.
// Deterministic for a given seed, thread count and TrainOptions::workers.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "data/graph_dataset.h"
#include "finetune/metrics.h"
#include "models/property_model.h"
#include "training/schedule.h"

namespace molprop::training {
class DataParallel;
}

namespace molprop::finetune {

// Some molecules of a dataset.
struct Subset {
  data::GraphDataset* dataset = nullptr;
  std::vector<int64_t> indices;
};

struct TrainOptions {
  int64_t epochs = 30;      // 1..100000
  int64_t batch_size = 50;  // 1..1000000
  training::ScheduleOptions schedule;
  double grad_clip = 10.0;        // max gradient L2 norm; 0 = off
  int64_t patience = 0;           // stop after this many epochs without improvement; 0 = never
  uint64_t seed = 0;              // weight initialisation, dropout and batch order
  bool quiet = false;             // no progress bar or per-epoch lines
  std::string label;              // prefix of progress lines, e.g. "fold 1/5 member 2/3"
  double encoder_lr_ratio = 1.0;  // encoder learning rate = ratio × head learning rate, 0..100
  bool freeze_encoder = false;    // train only the head
  // Loss weight per target (one per task, each in [0, 1e6], at least one positive): the
  // loss is the weighted mean of the squared standardised errors (models::masked_mse).
  // Empty: every present label counts alike, so a target with more labels counts more.
  std::vector<double> target_weights;
  // Data parallelism (training/distributed.h): each step's global batch of batch_size ×
  // world molecules is split across the ranks, and gradients are averaged weighted by
  // each rank's share, so the update is that of the whole global batch.
  training::DataParallel* parallel = nullptr;
  // Threads that share each step, 1..64: the batch is cut into this many parts of about
  // equal atom count, each part's forward and backward run at once on its own copy of the
  // model with one thread, and the gradients are summed in part order, so the update is
  // the whole batch's (each part's loss weighted by its share of the labels) and the run
  // is deterministic for a given seed and worker count. Tiny graph batches keep two
  // threads of one product mostly waiting; two parts keep both busy (docs/performance.md).
  // Used only where the parts cannot change the result beyond float rounding: no dropout,
  // no batch norm, one process (no `parallel`); otherwise, and for batches with fewer
  // molecules than workers, the step runs whole on the calling thread.
  int workers = 1;

  // Range-checks every setting (and the schedule's); throws molprop::Error naming the
  // field (TrainOptions::epochs, ...).
  void validate() const;
};

struct EpochLog {
  int64_t epoch = 0;
  double train_loss = 0;
  // One task: its RMSE in original units; several: the mean of RMSE / training std (the
  // score the best epoch is chosen by). NaN without a val set.
  double val_rmse = 0;
  double lr = 0;
  double seconds = 0;
  double molecules_per_second = 0;
};

struct TrainResult {
  int64_t best_epoch = 0;
  double best_val_rmse = 0;
  std::vector<EpochLog> log;
  double train_seconds = 0;
  double train_molecules_per_second = 0;  // over all epochs, training passes only
  int workers = 1;                        // TrainOptions::workers as used (see there)
};

// Fits per-task target scaling and descriptor scaling on `train` (stored into
// checkpoint.targets / .descriptors), then trains `model` in place; on return the model
// holds the best epoch's weights, in eval mode.
TrainResult train_model(models::PropertyModel& model, checkpoint::Checkpoint& checkpoint, const Subset& train,
                        const Subset& val, const TrainOptions& options);

// Runs `fn` on the subset's molecules in consecutive batches (eval mode, no grad, on
// the model's device) and concatenates its M × k outputs row-major, in subset order.
std::vector<float> map_batches(models::PropertyModel& model, const checkpoint::Checkpoint& checkpoint,
                               const Subset& subset, int64_t batch_size,
                               const std::function<torch::Tensor(const models::GraphTensors&)>& fn);

// Predictions for a subset in original target units, rows × tasks (row-major), in the
// subset's order. Eval mode, no grad, batches of batch_size.
std::vector<float> predict_subset(models::PropertyModel& model, const checkpoint::Checkpoint& checkpoint,
                                  const Subset& subset, int64_t batch_size = 256);

// True targets of a subset, rows × tasks (NaN = missing).
std::vector<float> subset_targets(const Subset& subset);

}  // namespace molprop::finetune
