#pragma once
// resume.pt: everything `pretrain --resume` needs to continue a run exactly where a
// checkpoint left it (pretrain/pretrainer.h): the model configuration (as JSON, to refuse
// other options), the weights of the model and of every objective's layers, the
// optimiser state, torch's CPU generator state of every rank, the world size and the
// position in the run.
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/model_config.h"
#include "models/property_model.h"
#include "pretrain/objective.h"

namespace molprop::pretrain {

// Where a run stands.
struct RunPosition {
  int64_t epoch = 1;     // next epoch to run (1-based)
  int64_t position = 0;  // next molecule of that epoch's order
  int64_t step = 0;      // optimiser steps taken so far
};

// The parts of a run that resume.pt holds (besides the generator states).
struct ResumableState {
  const models::ModelConfig& config;
  models::PropertyModel& model;
  const std::vector<std::shared_ptr<Objective>>& objectives;  // in option order
  torch::optim::Optimizer& optimizer;
};

// The state of torch's default CPU generator (dropout, masks and views draw from it).
torch::Tensor generator_state();

// Writes resume.pt at `path` (through path.tmp, renamed into place): `state`, one
// generator state per rank (`rng_states`, in rank order), `world` and `at`.
void write_resume_file(const std::string& path, const ResumableState& state,
                       const std::vector<torch::Tensor>& rng_states, int world, const RunPosition& at);

// Loads the weights and optimiser state of resume.pt at `path` into `state`, and rank
// `rank`'s generator state into torch's default CPU generator; returns the position.
// Throws molprop::Error when the file was made with other model options or by another
// number of processes than `world`.
RunPosition read_resume_file(const std::string& path, const ResumableState& state, int rank, int world);

}  // namespace molprop::pretrain
