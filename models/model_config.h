#pragma once
// Everything needed to rebuild a model, saved inside every checkpoint (as JSON) so that
// predict and embed need nothing but the file.
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::models {

// The depth an encoder gets when none is chosen: dmpnn 3 (Chemprop's), gine 5.
inline int64_t default_depth(const std::string& encoder_name) { return encoder_name == "gine" ? 5 : 3; }

struct EncoderOptions {
  std::string name = "dmpnn";              // "dmpnn" | "gine" (see encoder_registry())
  int64_t hidden = 300;                    // width of messages and atom states, 1..100000
  int64_t depth = default_depth("dmpnn");  // 1..100; dmpnn: message-passing steps as Chemprop counts them; gine: layers
  double dropout = 0.0;                    // 0..0.99
  std::string norm = "none";               // "none" | "batch" | "layer"
  bool residual = false;                   // add each layer's input to its output
  std::string jk = "last";                 // jumping knowledge: "last" | "sum" | "concat"
  // dmpnn only: a virtual node per molecule that reads the mean of its atoms after every
  // layer and adds its state to every message of the next, so that far-apart atoms hear
  // of each other in one step instead of depth steps (docs/results.md, depth table).
  bool virtual_node = false;
  // Category counts per atom / bond feature, from the feature vocabulary; each table
  // gets one extra row used as the [MASK] token by attribute-masking pretraining.
  std::vector<int64_t> atom_cardinalities;
  std::vector<int64_t> bond_cardinalities;

  // Range-checks the user settings (not the cardinalities); throws molprop::Error naming
  // the field (EncoderOptions::hidden, ...). Defined in encoder.cpp, beside the registry.
  void validate() const;
};

struct ReadoutOptions {
  std::string name = "mean";  // "sum" | "mean" | "attention" (see readout_registry())

  // Throws molprop::Error naming ReadoutOptions::name when it is not registered.
  void validate() const;
};

struct HeadOptions {
  int64_t hidden = 300;   // width of the hidden layer(s), 1..100000
  int64_t layers = 2;     // linear layers, Chemprop's ffn_num_layers, 1..10
  double dropout = 0.0;   // 0..0.99
  int64_t num_tasks = 1;  // outputs, ≥ 1

  // Throws molprop::Error naming the field (HeadOptions::hidden, ...).
  void validate() const;
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
