#pragma once
// Everything needed to rebuild a model, saved inside every checkpoint (as JSON) so that
// predict and embed need nothing but the file.
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::models {

struct EncoderOptions {
  std::string name = "dmpnn";  // "dmpnn" | "gine" (see encoder_registry())
  int64_t hidden = 300;        // width of messages and atom states
  int64_t depth = 3;           // dmpnn: message-passing steps as Chemprop counts them; gine: layers
  double dropout = 0.0;
  std::string norm = "none";  // "none" | "batch" | "layer"
  bool residual = false;      // add each layer's input to its output
  std::string jk = "last";    // jumping knowledge: "last" | "sum" | "concat"
  // Category counts per atom / bond feature, from the feature vocabulary; each table
  // gets one extra row used as the [MASK] token by attribute-masking pretraining.
  std::vector<int64_t> atom_cardinalities;
  std::vector<int64_t> bond_cardinalities;
};

struct ReadoutOptions {
  std::string name = "mean";  // "sum" | "mean" | "attention"
};

struct HeadOptions {
  int64_t hidden = 300;  // width of the hidden layer(s)
  int64_t layers = 2;    // linear layers, Chemprop's ffn_num_layers
  double dropout = 0.0;
  int64_t num_tasks = 1;  // outputs
};

struct ModelConfig {
  EncoderOptions encoder;
  ReadoutOptions readout;
  HeadOptions head;
  int64_t num_descriptors = 0;  // extra molecule features joined after the readout
  int64_t featurizer_version = 0;
};

std::string to_json(const ModelConfig& config);
// Throws molprop::Error naming the field when the JSON is incomplete or invalid.
ModelConfig model_config_from_json(const std::string& json);

}  // namespace molprop::models
