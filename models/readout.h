#pragma once
// Readouts: atom states → one vector per molecule, by segment reductions over
// atom_to_mol (no padding).
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

#include "core/registry.h"
#include "models/graph_tensors.h"
#include "models/model_config.h"

namespace molprop::models {

class Readout : public torch::nn::Module {
 public:
  // atoms: A × in_dim() → M × out_dim()
  virtual torch::Tensor forward(const torch::Tensor& atoms, const GraphTensors& g) = 0;
  virtual int64_t in_dim() const = 0;
  virtual int64_t out_dim() const = 0;
};

using ReadoutFactory = std::function<std::shared_ptr<Readout>(const ReadoutOptions&, int64_t in_dim)>;
// name → factory (names() lists the choices).
const core::Registry<ReadoutFactory>& readout_registry();
// Throws molprop::Error listing the known names.
std::shared_ptr<Readout> make_readout(const ReadoutOptions& options, int64_t in_dim);

// Σ over atoms.
class SumReadout : public Readout {
 public:
  explicit SumReadout(int64_t dim) : dim_(dim) {}
  torch::Tensor forward(const torch::Tensor& atoms, const GraphTensors& g) override;
  int64_t in_dim() const override { return dim_; }
  int64_t out_dim() const override { return dim_; }

 private:
  int64_t dim_;
};

// Mean over atoms (Chemprop's default aggregation).
class MeanReadout : public Readout {
 public:
  explicit MeanReadout(int64_t dim) : dim_(dim) {}
  torch::Tensor forward(const torch::Tensor& atoms, const GraphTensors& g) override;
  int64_t in_dim() const override { return dim_; }
  int64_t out_dim() const override { return dim_; }

 private:
  int64_t dim_;
};

// Mean and sum side by side (M × 2·dim: the mean's columns, then the sum's): the head sees
// what each atom is like on average and how much of it the molecule has. The sum carries
// size (additive properties such as logP follow it), the mean does not (melting points
// follow it less); docs/results.md, "The readout of a fine-tuned foundation".
class MeanSumReadout : public Readout {
 public:
  // sum_scale multiplies the sum's columns (mean_sum: 1; mean_sum_norm: 1/100, Chemprop's
  // "norm" aggregation: for a drug-sized molecule of ~25 atoms the sum / 100 is about a quarter
  // of the mean's size rather than ~25 times it).
  explicit MeanSumReadout(int64_t dim, double sum_scale = 1.0) : dim_(dim), sum_scale_(sum_scale) {}
  torch::Tensor forward(const torch::Tensor& atoms, const GraphTensors& g) override;
  int64_t in_dim() const override { return dim_; }
  int64_t out_dim() const override { return 2 * dim_; }

 private:
  int64_t dim_;
  double sum_scale_;
};

// Attention pooling: weights softmax_v(w·h_v) within each molecule, then Σ weight·h_v.
class AttentionReadout : public Readout {
 public:
  explicit AttentionReadout(int64_t dim);
  torch::Tensor forward(const torch::Tensor& atoms, const GraphTensors& g) override;
  int64_t in_dim() const override { return dim_; }
  int64_t out_dim() const override { return dim_; }

 private:
  int64_t dim_;
  torch::nn::Linear gate_{nullptr};
};

}  // namespace molprop::models
