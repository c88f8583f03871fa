#include "checkpoint/model_inputs.h"

#include "core/check.h"
#include "data/scaler.h"

namespace molprop::checkpoint {

torch::Tensor scaled_descriptors(const data::Batch& batch, const Checkpoint& checkpoint) {
  if (checkpoint.config.num_descriptors == 0) return {};
  MOLPROP_CHECK(batch.num_descriptors == checkpoint.config.num_descriptors,
                "the data has " << batch.num_descriptors << " descriptors per molecule, the model expects "
                                << checkpoint.config.num_descriptors
                                << " (featurize with FeaturizeOptions::descriptors)");
  std::vector<float> values = batch.descriptors;
  data::apply_scaling(values, checkpoint.descriptors, /*nan_to_zero=*/true, kDescriptorClip);
  return torch::from_blob(values.data(), {batch.num_molecules, batch.num_descriptors}, torch::kFloat32).clone();
}

}  // namespace molprop::checkpoint
