#include "models/property_model.h"

#include "core/check.h"
#include "models/dense.h"

namespace molprop::models {

MlpHeadImpl::MlpHeadImpl(const HeadOptions& options, int64_t in_dim) : options_(options), in_dim_(in_dim) {
  if (options.layers < 1) throw Error("head layers must be ≥ 1, got " + std::to_string(options.layers));
  if (options.num_tasks < 1) throw Error("head needs ≥ 1 task, got " + std::to_string(options.num_tasks));
  if (options.dropout < 0 || options.dropout >= 1) throw Error("head dropout must be in [0, 1)");
  torch::nn::Sequential seq;
  int64_t width = in_dim;
  for (int64_t l = 0; l + 1 < options.layers; ++l) {
    seq->push_back(Dense(width, options.hidden));
    seq->push_back(torch::nn::ReLU());
    seq->push_back(torch::nn::Dropout(options.dropout));
    width = options.hidden;
  }
  seq->push_back(Dense(width, options.num_tasks));
  layers_ = register_module("layers", seq);
}

torch::Tensor MlpHeadImpl::forward(const torch::Tensor& x) {
  MOLPROP_CHECK(x.size(1) == in_dim_, "head input has width " << x.size(1) << ", expected " << in_dim_);
  return layers_->forward(x);
}

void check_part_widths(const Encoder& encoder, const Readout& readout, const MlpHeadImpl& head,
                       int64_t num_descriptors) {
  // STYLE.md #3: each part reports its widths and the composer compares them, so a part
  // whose factory ignores the width it was given fails here rather than inside forward().
  if (readout.in_dim() != encoder.out_dim()) {
    throw Error("readout input width is " + std::to_string(readout.in_dim()) + ", expected " +
                std::to_string(encoder.out_dim()) + " (the encoder's output width)");
  }
  const int64_t expected = readout.out_dim() + num_descriptors;
  if (head.in_dim() != expected) {
    throw Error("head input width is " + std::to_string(head.in_dim()) + ", expected " + std::to_string(expected) +
                " (readout output width " + std::to_string(readout.out_dim()) + " + descriptors " +
                std::to_string(num_descriptors) + ")");
  }
}

PropertyModelImpl::PropertyModelImpl(const ModelConfig& config) : config_(config) {
  encoder_ = register_module("encoder", make_encoder(config.encoder));
  readout_ = register_module("readout", make_readout(config.readout, encoder_->out_dim()));
  if (config.num_descriptors < 0) throw Error("num_descriptors must be ≥ 0");
  const int64_t head_in = readout_->out_dim() + config.num_descriptors;
  head_ = register_module("head", MlpHead(config.head, head_in));
  check_part_widths(*encoder_, *readout_, *head_, config.num_descriptors);
}

torch::Tensor PropertyModelImpl::embed(const GraphTensors& g) { return readout_->forward(encoder_->forward(g), g); }

torch::Tensor PropertyModelImpl::forward(const GraphTensors& g) { return forward_from_states(encoder_->forward(g), g); }

torch::Tensor PropertyModelImpl::forward_from_states(const torch::Tensor& atom_states, const GraphTensors& g) {
  torch::Tensor x = readout_->forward(atom_states, g);
  if (config_.num_descriptors > 0) {
    if (!g.descriptors.defined() || g.descriptors.size(1) != config_.num_descriptors) {
      throw Error("model expects " + std::to_string(config_.num_descriptors) +
                  " descriptor features per molecule, got " +
                  (g.descriptors.defined() ? std::to_string(g.descriptors.size(1)) : std::string("none")) +
                  " (featurize with FeaturizeOptions::descriptors)");
    }
    x = torch::cat({x, g.descriptors}, 1);
  }
  return head_(x);
}

}  // namespace molprop::models
