#pragma once
// The model inputs a checkpoint prescribes beyond the graph: descriptor rows standardised
// with the scaling stored in the checkpoint (shared by training, pretraining and inference).
#include <torch/torch.h>

#include "checkpoint/checkpoint.h"
#include "data/batch.h"

namespace molprop::checkpoint {

// Standardised descriptors beyond ±kDescriptorClip σ are clipped.
inline constexpr double kDescriptorClip = 10.0;

// Descriptor rows of a batch, standardised with the checkpoint's scaling, as an M × D
// tensor (undefined when the model uses no descriptors).
torch::Tensor scaled_descriptors(const data::Batch& batch, const Checkpoint& checkpoint);

}  // namespace molprop::checkpoint
