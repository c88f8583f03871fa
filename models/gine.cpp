#include "models/gine.h"

#include "models/dense.h"

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
  for (size_t l = 0; l < depth; ++l) {
    torch::Tensor agg = torch::zeros_like(h);
    if (g.num_edges > 0) {
      const torch::Tensor msg = torch::relu(h.index_select(0, g.edge_src) + bond_in_[l](g.bond_features));
      agg = agg.index_add(0, g.edge_dst, msg);
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
