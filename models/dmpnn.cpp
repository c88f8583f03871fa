#include "models/dmpnn.h"

namespace molprop::models {

DmpnnEncoder::DmpnnEncoder(const EncoderOptions& options) : options_(options) {
  const int64_t h = options.hidden;
  atom_in_ = register_module("atom_in", CategoricalEmbedding(options.atom_cardinalities, h));
  bond_in_ = register_module("bond_in", CategoricalEmbedding(options.bond_cardinalities, h));
  atom_out_ = register_module("atom_out", CategoricalEmbedding(options.atom_cardinalities, h));
  w_h_ = register_module("w_h", Dense(torch::nn::LinearOptions(h, h).bias(false)));
  const int64_t layers = options.depth - 1;  // Chemprop's depth counts the input layer
  const int64_t jk_width = options.jk == "concat" ? h * (layers + 1) : h;
  w_o_ = register_module("w_o", Dense(jk_width, h));
  for (int64_t t = 0; t < layers; ++t) {
    norms_.push_back(make_norm(options.norm, h));
    register_module("norm" + std::to_string(t), norms_.back().ptr());
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(options.dropout));
  if (options.virtual_node) w_u_ = register_module("w_u", Dense(h, h));
}

std::vector<torch::Tensor> DmpnnEncoder::run(const GraphTensors& g) {
  const int64_t h = options_.hidden;
  auto atom_sum = [&](const torch::Tensor& edge_states) {
    return torch::zeros({g.num_atoms, h}, edge_states.options()).index_add_(0, g.edge_dst, edge_states);
  };
  std::vector<torch::Tensor> incoming;  // per layer: A × h sums of messages into each atom
  if (g.num_edges == 0) {
    // No bonds anywhere in the batch (e.g. single atoms, ions): no messages.
    incoming.push_back(torch::zeros({g.num_atoms, h}, atom_in_->parameters()[0].options()));
    return incoming;
  }
  const torch::Tensor h0 = atom_in_(g.atom_features).index_select(0, g.edge_src) + bond_in_(g.bond_features);
  torch::Tensor state = dropout_(torch::relu(h0));
  incoming.push_back(atom_sum(state));
  // Virtual node: per-molecule state, and each edge's molecule (through its source atom).
  torch::Tensor node, inverse_atoms, edge_mol;
  if (w_u_) {
    node = torch::zeros({g.num_molecules, h}, state.options());
    inverse_atoms = torch::zeros({g.num_molecules, 1}, state.options())
                        .index_add_(0, g.atom_to_mol, torch::ones({g.num_atoms, 1}, state.options()))
                        .clamp_min(1)
                        .reciprocal();
    edge_mol = g.atom_to_mol.index_select(0, g.edge_src);
  }
  for (size_t t = 0; t < norms_.size(); ++t) {
    torch::Tensor message = incoming.back().index_select(0, g.edge_src) - state.index_select(0, g.edge_rev);
    if (w_u_) {
      const torch::Tensor mean =
          torch::zeros({g.num_molecules, h}, state.options()).index_add_(0, g.atom_to_mol, incoming.back()) *
          inverse_atoms;
      node = torch::relu(w_u_(mean)) + node;
      message = message + node.index_select(0, edge_mol);
    }
    torch::Tensor next = norms_[t].forward(h0 + w_h_(message));
    next = dropout_(torch::relu(next));
    state = options_.residual ? next + state : next;
    incoming.push_back(atom_sum(state));
  }
  return incoming;
}

torch::Tensor DmpnnEncoder::atom_output(const GraphTensors& g, const torch::Tensor& incoming) {
  return dropout_(torch::relu(atom_out_(g.atom_features) + w_o_(incoming)));
}

torch::Tensor DmpnnEncoder::forward(const GraphTensors& g) {
  std::vector<torch::Tensor> incoming = run(g);
  if (options_.jk == "concat" && incoming.size() < norms_.size() + 1) {
    // Batch without bonds: pad with zeros to the width W_o expects.
    while (incoming.size() < norms_.size() + 1) incoming.push_back(torch::zeros_like(incoming[0]));
  }
  return atom_output(
      g,
      jumping_knowledge(options_.jk == "last" ? std::vector<torch::Tensor>{incoming.back()} : incoming, options_.jk));
}

std::vector<torch::Tensor> DmpnnEncoder::layer_states(const GraphTensors& g) {
  // Per layer, the sum of messages into each atom: the atom-level view of the edge states.
  return run(g);
}

}  // namespace molprop::models
