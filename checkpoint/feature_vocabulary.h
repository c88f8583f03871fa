#pragma once
// The feature-vocabulary part of a model configuration: the category count of every atom
// and bond feature (the encoder's embedding tables) and the featurizer version, both from
// chem/features.h. Every checkpoint records them, so a file made for another vocabulary
// is refused rather than misread.
#include "models/model_config.h"

namespace molprop::checkpoint {

// Sets config.encoder.atom_cardinalities / bond_cardinalities (replacing what they held)
// and config.featurizer_version to this build's feature vocabulary.
void set_feature_vocabulary(models::ModelConfig& config);

}  // namespace molprop::checkpoint
