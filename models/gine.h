#pragma once
// GIN with edge features (GINE; Hu et al. 2020, "Strategies for Pre-training GNNs").
//
// Atom states start as embeddings h⁰_v = A[x_v]; each layer l updates
//   m_v = Σ_{u→v} relu(h_u + B_l[x_uv])
//   h'_v = MLP_l(h_v + m_v),  MLP = Linear(H, 2H) → ReLU → Linear(2H, H)
//   h'_v = norm(h'_v), relu except after the last layer, dropout, (+ h_v with residual)
// Layer l has its own bond embedding, as in the paper. Jumping knowledge combines all
// layers' states ("sum"/"concat"); deep stacks oversmooth without it or residuals.
#include "models/encoder.h"

namespace molprop::models {

class GineEncoder : public Encoder {
 public:
  explicit GineEncoder(const EncoderOptions& options);
  torch::Tensor forward(const GraphTensors& g) override;
  std::vector<torch::Tensor> layer_states(const GraphTensors& g) override;
  int64_t out_dim() const override {
    return options_.jk == "concat" ? options_.hidden * options_.depth : options_.hidden;
  }

 private:
  EncoderOptions options_;
  CategoricalEmbedding atom_in_{nullptr};
  std::vector<CategoricalEmbedding> bond_in_;
  std::vector<torch::nn::Sequential> mlps_;
  std::vector<torch::nn::AnyModule> norms_;
  torch::nn::Dropout dropout_{nullptr};
};

}  // namespace molprop::models
