#pragma once
// Directed message passing (Chemprop's D-MPNN, Yang et al. 2019), on embeddings.
//
// For a directed bond e = v→w with reverse ē = w→v:
//   h⁰_e   = act(A_in[x_v] + B[x_e])                         (= W_i·[x_v ‖ x_e], no bias)
//   m^t_e  = Σ_{k→v} h^t_{k→v} − h^t_ē                        (all messages into v except w's)
//   h^{t+1}_e = act(h⁰_e + W_h·m^t_e)                          (+ h^t_e with residual)
// after depth − 1 updates, each atom v gets
//   h_v = act(A_out[x_v] + W_o·Σ_{k→v} h_{k→v} + b)           (= W_o·[x_v ‖ m_v] + b)
// Embedding lookups replace Chemprop's one-hot products, which saves the largest matmul.
// With jumping knowledge, the atom sums of every layer are combined before W_o.
// With a virtual node, each molecule has a state u (zero at first); before every update
//   u ← u + act(W_u·mean_v(Σ_{k→v} h^t_{k→v})),   m^t_e += u_{mol(v)}
// so every message also carries a summary of the whole molecule.
#include "models/dense.h"
#include "models/encoder.h"

namespace molprop::models {

// The message-passing layer's index operations with autograd, on the CPU in fp32 (the
// tensor path uses them there, in training too): values equal to LibTorch's
//   gather_messages(incoming, state, src, rev) = incoming.index_select(0, src) − state.index_select(0, rev)
//   sum_into_atoms(state, dst, atoms)          = zeros(atoms, h).index_add_(0, dst, state)
// with backward passes of one loop each (scatters in row order, gathers) instead of LibTorch's
// index_select / sub / neg / index_add_ nodes. int64 contiguous indices.
torch::Tensor gather_messages(const torch::Tensor& incoming, const torch::Tensor& state, const torch::Tensor& src,
                              const torch::Tensor& rev);
torch::Tensor sum_into_atoms(const torch::Tensor& state, const torch::Tensor& dst, int64_t atoms);

class DmpnnEncoder : public Encoder {
 public:
  explicit DmpnnEncoder(const EncoderOptions& options);
  torch::Tensor forward(const GraphTensors& g) override;
  std::vector<torch::Tensor> layer_states(const GraphTensors& g) override;
  int64_t out_dim() const override { return options_.hidden; }
  // Whether forward/layer_states on `g` take the fused inference path (run_fused): eval
  // mode, no autograd, a oneDNN dense path, no normalisation or virtual node, on the CPU.
  bool fused_applies(const GraphTensors& g) const;

 private:
  // Per layer (input layer first), the A × hidden sums of messages into each atom.
  std::vector<torch::Tensor> run(const GraphTensors& g);
  // The same without autograd on the oneDNN paths, as two passes over the edges per layer
  // (gather the messages in the GEMM's type; add h⁰, ReLU and scatter into the atoms)
  // instead of seven tensor ops: bit-for-bit what run() gives on those paths (a test
  // checks). Used when fused_applies().
  // `atoms`: atom_in_->distinct(the batch's atom features), shared with the output layer.
  std::vector<torch::Tensor> run_fused(const GraphTensors& g, const DistinctRows& atoms);
  torch::Tensor atom_output(const GraphTensors& g, const torch::Tensor& incoming);

  EncoderOptions options_;
  CategoricalEmbedding atom_in_{nullptr}, bond_in_{nullptr}, atom_out_{nullptr};
  Dense w_h_{nullptr}, w_o_{nullptr};
  Dense w_u_{nullptr};  // virtual node update; null without one
  std::vector<torch::nn::AnyModule> norms_;
  torch::nn::Dropout dropout_{nullptr};
};

}  // namespace molprop::models
