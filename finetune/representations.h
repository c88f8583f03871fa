#pragma once
// Fixed molecule representations for regressor heads: embeddings from a frozen model,
// or ECFP fingerprints (the baseline that learned embeddings must beat).
#include <cstdint>
#include <vector>

#include "chem/fingerprint.h"
#include "finetune/trainer.h"

namespace molprop::finetune {

// rows × model->embedding_dim(), row-major, in the subset's order (eval mode, no grad).
std::vector<float> embed_subset(models::PropertyModel& model, const checkpoint::Checkpoint& checkpoint,
                                const Subset& subset, int64_t batch_size = 256);

// rows × num_bits of 0/1, from the SMILES stored in the dataset (parsed with the
// dataset's standardisation setting).
std::vector<float> ecfp_subset(const Subset& subset, const chem::FingerprintOptions& options = {});

}  // namespace molprop::finetune
