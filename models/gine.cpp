#include "models/gine.h"

#include "models/dense.h"
#include "models/segment_ops.h"

namespace molprop::models {

GineEncoder::GineEncoder(const EncoderOptions& options) : options_(options) {
  const int64_t h = options.hidden;
  atom_in_ = register_module("atom_in", CategoricalEmbedding(options.atom_cardinalities, h));
  for (int64_t l = 0; l < options.depth; ++l) {
    const std::string k = std::to_string(l);
    bond_in_.push_back(register_module("bond_in" + k, CategoricalEmbedding(options.bond_cardinalities, h)));
    mlps_.push_back(
        register_module("mlp" + k, torch::nn::Sequential(Dense(h, 2 * h), torch::nn::ReLU(), Dense(2 * h, h))));
    norms_.push_back(make_norm(options.norm, h));
    register_module("norm" + k, norms_.back().ptr());
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(options.dropout));
}

std::vector<torch::Tensor> GineEncoder::layer_states(const GraphTensors& g) {
  std::vector<torch::Tensor> states;
  torch::Tensor h = atom_in_(g.atom_features);
  const auto depth = static_cast<size_t>(options_.depth);
  // Edges grouped by target and source atom: segment_ops.h (bit-for-bit index_add / index_select).
  const bool cpu = g.edge_dst.device().is_cpu() && g.num_edges > 0;
  const RowGroups by_dst = cpu ? group_rows(g.edge_dst, g.num_atoms) : RowGroups{};
  const RowGroups by_src = cpu && torch::GradMode::is_enabled() ? group_rows(g.edge_src, g.num_atoms) : RowGroups{};
  for (size_t l = 0; l < depth; ++l) {
    torch::Tensor agg;
    if (g.num_edges > 0) {
      const torch::Tensor msg = torch::relu(gather_rows(h, g.edge_src, by_src.groups > 0 ? &by_src : nullptr) +
                                            bond_in_[l](g.bond_features));
      agg = sum_rows_into(msg, g.edge_dst, g.num_atoms, cpu ? &by_dst : nullptr);
    } else {
      agg = torch::zeros_like(h);
    }
    torch::Tensor out = norms_[l].forward(mlps_[l]->forward(h + agg));
    if (l + 1 < depth) out = torch::relu(out);
    out = dropout_(out);
    h = options_.residual ? out + h : out;
    states.push_back(h);
  }
  return states;
}

torch::Tensor GineEncoder::forward(const GraphTensors& g) { return jumping_knowledge(layer_states(g), options_.jk); }

}  // namespace molprop::models
