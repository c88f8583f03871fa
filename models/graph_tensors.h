#pragma once
// A data::Batch as tensors on the model's device. One tensor per array per batch: the
// collated batch is already concatenated, so no per-molecule tensor is ever created.
#include <torch/torch.h>

#include "data/batch.h"

namespace molprop::models {

struct GraphTensors {
  torch::Tensor atom_features;  // A × Fa int64 category indices
  torch::Tensor bond_features;  // E × Fb int64 category indices
  torch::Tensor edge_src;       // E int64: source atom of each directed edge
  torch::Tensor edge_dst;       // E int64: target atom
  torch::Tensor edge_rev;       // E int64: index of the reverse edge (e ^ 1)
  torch::Tensor atom_to_mol;    // A int64: molecule of each atom
  torch::Tensor descriptors;    // M × D float32, standardised; undefined when D = 0
  torch::Tensor targets;        // M × T float32 (NaN = missing); undefined when T = 0
  torch::Tensor atom_targets;   // A × K float32 standardised atom-level targets; set by the pretrainer only
  int64_t num_molecules = 0;
  int64_t num_atoms = 0;
  int64_t num_edges = 0;
};

// Converts on the CPU, then moves to `device`. Descriptors are passed separately
// because they are standardised by the caller (finetune owns the scaling).
GraphTensors to_tensors(const data::Batch& batch, const torch::Device& device, const torch::Tensor& descriptors = {});

}  // namespace molprop::models
