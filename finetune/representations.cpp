#include "finetune/representations.h"

#include <limits>

#include "chem/parse.h"

namespace molprop::finetune {

std::vector<float> embed_subset(models::PropertyModel& model, const checkpoint::Checkpoint& checkpoint,
                                const Subset& subset, int64_t batch_size) {
  return map_batches(model, checkpoint, subset, batch_size,
                     [&](const models::GraphTensors& g) { return model->embed(g); });
}

std::vector<float> ecfp_subset(const Subset& subset, const chem::FingerprintOptions& options) {
  chem::ParseOptions parse;
  parse.standardize = subset.dataset->info().standardized;
  // Stored SMILES passed the limits they were featurised with, which may exceed the defaults.
  parse.max_smiles_length = std::numeric_limits<int>::max();
  parse.max_atoms = std::numeric_limits<int>::max();
  std::vector<float> out;
  out.reserve(subset.indices.size() * static_cast<size_t>(options.num_bits));
  for (int64_t i : subset.indices) {
    chem::ParsedMol p = chem::parse_smiles(subset.dataset->smiles(i), parse);
    // Stored SMILES parsed when the dataset was written; an all-zero row keeps the
    // alignment if one ever does not.
    if (!p.ok()) {
      out.insert(out.end(), static_cast<size_t>(options.num_bits), 0.0f);
      continue;
    }
    for (uint8_t bit : chem::morgan_fingerprint(*p.mol, options)) out.push_back(bit);
  }
  return out;
}

}  // namespace molprop::finetune
