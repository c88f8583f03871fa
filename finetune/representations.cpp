#include "finetune/representations.h"

#include "chem/parse.h"
#include "models/graph_tensors.h"

namespace molprop::finetune {

std::vector<float> embed_subset(models::PropertyModel& model, const Checkpoint& checkpoint, const Subset& subset,
                                int64_t batch_size) {
  torch::NoGradGuard no_grad;
  model->eval();
  const torch::Device device = model->parameters()[0].device();
  std::vector<float> out;
  out.reserve(subset.indices.size() * static_cast<size_t>(model->embedding_dim()));
  data::Batch batch;
  std::vector<int64_t> idx;
  for (size_t start = 0; start < subset.indices.size(); start += static_cast<size_t>(batch_size)) {
    idx.assign(subset.indices.begin() + start,
               subset.indices.begin() + std::min(subset.indices.size(), start + static_cast<size_t>(batch_size)));
    subset.dataset->collate(idx, batch);
    const auto g = models::to_tensors(batch, device, scaled_descriptors(batch, checkpoint));
    const torch::Tensor e = model->embed(g).to(torch::kCPU).contiguous();
    out.insert(out.end(), e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
  }
  return out;
}

std::vector<float> ecfp_subset(const Subset& subset, const chem::FingerprintOptions& options) {
  chem::ParseOptions parse;
  parse.standardize = subset.dataset->info().standardized;
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
