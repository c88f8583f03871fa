#pragma once
// Message-passing encoders: a batch of graphs in, one state vector per atom out.
// Implementations: dmpnn.h (Chemprop's directed MPNN), gine.h (GIN with edge features).
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/registry.h"
#include "models/categorical_kernels.h"
#include "models/graph_tensors.h"
#include "models/model_config.h"

namespace molprop::models {

class Encoder : public torch::nn::Module {
 public:
  // A × out_dim() atom states.
  virtual torch::Tensor forward(const GraphTensors& g) = 0;
  // Atom states after each message-passing layer (for the oversmoothing diagnostic);
  // the last entry equals forward()'s input to jumping knowledge.
  virtual std::vector<torch::Tensor> layer_states(const GraphTensors& g) = 0;
  virtual int64_t out_dim() const = 0;
};

using EncoderFactory = std::function<std::shared_ptr<Encoder>(const EncoderOptions&)>;

// name → factory (names() lists the choices); make_encoder throws molprop::Error listing
// the known names.
const core::Registry<EncoderFactory>& encoder_registry();
std::shared_ptr<Encoder> make_encoder(const EncoderOptions& options);

// Sum of one embedding per categorical feature: equal to a one-hot encoding times a
// weight matrix, without building the one-hot matrix. Each feature's table has one
// extra row at index `cardinality`, the [MASK] token.
class CategoricalEmbeddingImpl : public torch::nn::Module {
 public:
  CategoricalEmbeddingImpl(const std::vector<int64_t>& cardinalities, int64_t dim);
  // rows × features int64 → rows × dim
  torch::Tensor forward(const torch::Tensor& categories);
  int64_t mask_index(size_t feature) const { return cardinalities_[feature]; }
  // For inference without autograd (CPU, fp32 table; the fused D-MPNN path): the batch's
  // distinct rows of categories (int64, contiguous) and their sums, count × dim, so that
  // forward(categories)[r] equals sums[d.ids[r]] bit for bit.
  DistinctRows distinct(const torch::Tensor& categories) const;
  torch::Tensor distinct_sums(const torch::Tensor& categories, const DistinctRows& d) const;

 private:
  std::vector<int64_t> cardinalities_;
  torch::Tensor offsets_;             // 1 × features: first row of each feature's table
  std::vector<int64_t> first_rows_;   // the same, for the CPU kernel
  std::vector<int64_t> radix_;        // rows of each feature's table (cardinality + [MASK])
  torch::nn::EmbeddingBag bag_{nullptr};
};
TORCH_MODULE(CategoricalEmbedding);

// Validates the options shared by all encoders; throws molprop::Error naming the field.
void check_encoder_options(const EncoderOptions& options);

// Normalisation layer chosen by name ("none" gives an identity).
torch::nn::AnyModule make_norm(const std::string& norm, int64_t dim);

// Combines per-layer atom states: "last", "sum" or "concat".
torch::Tensor jumping_knowledge(const std::vector<torch::Tensor>& states, const std::string& jk);

}  // namespace molprop::models
