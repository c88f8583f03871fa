#include "checkpoint/feature_vocabulary.h"

#include "chem/features.h"

namespace molprop::checkpoint {

void set_feature_vocabulary(models::ModelConfig& config) {
  config.encoder.atom_cardinalities.clear();
  config.encoder.bond_cardinalities.clear();
  for (const auto& s : chem::atom_feature_specs()) config.encoder.atom_cardinalities.push_back(s.cardinality);
  for (const auto& s : chem::bond_feature_specs()) config.encoder.bond_cardinalities.push_back(s.cardinality);
  config.featurizer_version = chem::kFeaturizerVersion;
}

}  // namespace molprop::checkpoint
