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

}  // namespace molprop::models
