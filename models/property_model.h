#pragma once
// The assembled model: Encoder → Readout → (+ descriptors) → Head.
//
// Widths are checked here, once, when the parts are put together: a mismatch throws
// molprop::Error naming the part, the width it got and the width it expected.
#include <torch/torch.h>

#include <memory>

#include "models/encoder.h"
#include "models/graph_tensors.h"
#include "models/head.h"
#include "models/model_config.h"
#include "models/readout.h"

namespace molprop::models {

class PropertyModelImpl : public torch::nn::Module {
 public:
  explicit PropertyModelImpl(const ModelConfig& config);

  // M × num_tasks, in standardised target units.
  torch::Tensor forward(const GraphTensors& g);
  // The same from the encoder's atom states of `g` (A × atom state width), for callers that
  // share one encoder pass between several outputs (pretraining objectives).
  torch::Tensor forward_from_states(const torch::Tensor& atom_states, const GraphTensors& g);
  // M × embedding_dim(): the readout, before descriptors and head (what `embed` writes).
  torch::Tensor embed(const GraphTensors& g);
  int64_t embedding_dim() const { return readout_->out_dim(); }

  const ModelConfig& config() const { return config_; }
  Encoder& encoder() { return *encoder_; }
  MlpHead& head() { return head_; }

 private:
  ModelConfig config_;
  std::shared_ptr<Encoder> encoder_;
  std::shared_ptr<Readout> readout_;
  MlpHead head_{nullptr};
};
TORCH_MODULE(PropertyModel);

// The composer's width check, run by PropertyModelImpl's constructor on the parts it built:
// the readout's reported input width must be the encoder's reported output width, and the
// head's input width the readout's output width plus `num_descriptors`. Throws molprop::Error
// naming the part, the width it got and the width it expected.
void check_part_widths(const Encoder& encoder, const Readout& readout, const MlpHeadImpl& head,
                       int64_t num_descriptors);

}  // namespace molprop::models
