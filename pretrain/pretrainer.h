#pragma once
// The pretraining loop: one shared PropertyModel (encoder + readout + descriptor head),
// one or more weighted objectives, Adam with the Noam schedule, streamed epochs over an
// HDF5 corpus, progress and loss logs, and atomic checkpoints every N steps.
//
// Output folder:
//   encoder.h5   the pretrained model in the standard checkpoint format (usable by
//                `train --from`, `embed`, `analyze`; with the descriptor objective it
//                also predicts the descriptors)
//   resume.pt    everything resuming needs: weights of model and objective layers,
//                optimiser state, RNG state, epoch and position in the epoch
//   log.csv      step, epoch, loss per objective, lr, molecules/s (every log_every steps)
//   command.txt  the command line
//
// A run resumed from resume.pt ends with exactly the weights an uninterrupted run ends
// with (same seed, same thread count, same world size): the data order is a function of (seed, epoch),
// the position within the epoch is saved, and so is torch's generator state.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/model_config.h"
#include "training/distributed_env.h"
#include "training/schedule.h"

namespace molprop::pretrain {

// The encoder pretraining uses unless told otherwise: GINE with batch normalisation, at
// its default depth.
models::EncoderOptions default_pretraining_encoder();

struct PretrainOptions {
  // corpus .h5 (from `molprop featurize`; with descriptors for the descriptors objective, with
  // atom targets for atom_descriptors)
  std::string data;
  std::string output_dir;
  // Objective names (objective_registry()) with weights > 0, each at most once.
  std::vector<std::pair<std::string, double>> objectives{{"masking", 1.0}, {"descriptors", 1.0}};
  models::EncoderOptions encoder = default_pretraining_encoder();  // cardinalities filled in by the pretrainer
  std::string readout = "mean";                                    // readout_registry() name
  int64_t head_hidden = 300;                                       // 1..100000
  int64_t epochs = 1;                                              // 1..100000
  int64_t batch_size = 128;                                        // 2..1000000 (contrastive pairs need 2)
  training::ScheduleOptions schedule{1e-4, 1e-3, 1e-4, 0.1};
  double grad_clip = 10.0;  // ≥ 0
  // The descriptors objective's loss covers this fraction of each molecule's descriptor
  // targets, drawn anew every step (CheMeleon: 0.15); 1 covers all of them. (0, 1].
  double descriptor_target_fraction = 0.15;
  // Standardised descriptor and atom-level targets are clipped to ±target_clip σ (winsorised;
  // CheMeleon: 6); 0 clips nothing. ≥ 0.
  double target_clip = 6.0;
  uint64_t seed = 0;
  int64_t checkpoint_every = 1000;  // steps, 1..1e8; a checkpoint is also written at the end
  int64_t log_every = 50;           // steps, 1..1e8
  bool resume = false;              // continue the run in output_dir from resume.pt
  // > 0: stop (without a final checkpoint) after this many steps in total — to test resume
  int64_t stop_after_steps = 0;
  // Data parallelism (training/distributed.h): with world_size > 1 every rank reads its own
  // shard of the corpus, starts from rank 0's weights, averages gradients each step, and
  // only rank 0 writes logs and checkpoints (resume.pt keeps every rank's RNG state, so
  // resuming needs the same world size).
  training::DistributedEnv distributed;
  // A collective that takes longer fails the run; 1 s .. 1 day.
  int64_t distributed_timeout_ms = training::kDefaultDistributedTimeoutMs;
  std::string device = "cpu";  // model, objectives and batches live here
  bool quiet = false;
  std::string command_line;

  // Range-checks every setting and the component options; throws molprop::Error naming
  // the field (PretrainOptions::batch_size, ...).
  void validate() const;
};

struct PretrainSummary {
  int64_t steps = 0;
  int64_t molecules = 0;  // seen in this invocation, by all ranks together
  int ranks = 1;          // data-parallel processes that shared the work
  double seconds = 0;
  double molecules_per_second = 0;
  std::vector<std::pair<std::string, double>> final_losses;  // mean over the last logged window
  bool finished = false;                                     // false when stopped by stop_after_steps
};

PretrainSummary pretrain(const PretrainOptions& options);

}  // namespace molprop::pretrain
