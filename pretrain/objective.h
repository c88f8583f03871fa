#pragma once
// Self-supervised pretraining objectives behind one interface, combinable with weights
// in one run (PretrainOptions::objectives, e.g. "masking,descriptors:0.5").
//
//  masking      attribute masking (Hu et al. 2020): hide ~15% of atoms (and the bonds
//               touching them) behind [MASK] categories; predict every masked atom's
//               original categorical features from its context.
//  descriptors  predict the standardised (and ±6σ-clipped) RDKit 2D descriptor vector of each
//               molecule from the graph, through the model's own readout and head; the loss
//               covers a random descriptor_target_fraction of the entries per step (CheMeleon).
//  contrastive  two augmented views of each molecule (atom masking, bond deletion),
//               NT-Xent loss over the batch (MolCLR).
//  atom_descriptors  regress the standardised atom-level targets (Crippen logP/MR
//               contributions, Gasteiger charge, TPSA and Labute ASA contributions) of every
//               atom from its encoder state, through a small head of its own.
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/registry.h"
#include "models/graph_tensors.h"
#include "models/property_model.h"

namespace molprop::pretrain {

// What an objective needs to know to build its own layers.
struct ObjectiveContext {
  models::ModelConfig config;  // the shared model's configuration
  int64_t atom_state_dim = 0;  // encoder output width
  int64_t embedding_dim = 0;   // readout output width
  // The descriptors objective: the fraction of each molecule's descriptor targets, drawn anew
  // every step, that the loss is computed on (CheMeleon: 0.15; 1: all of them).
  double descriptor_target_fraction = 1.0;
  int64_t num_atom_targets = 0;  // K, the atom_descriptors objective's output width
};

// The encoder's atom states for one step's unmasked batch, computed on first use and shared
// by every objective that reads the clean graph (descriptors, atom_descriptors): one encoder
// pass (and backward) a step instead of one per objective. Objectives that change the graph
// (masking, contrastive) run their own.
class CleanStates {
 public:
  CleanStates(models::PropertyModel& model, const models::GraphTensors& g) : model_(model), g_(g) {}
  const torch::Tensor& atom_states() {
    if (!states_.defined()) states_ = model_->encoder().forward(g_);
    return states_;
  }

 private:
  models::PropertyModel& model_;
  const models::GraphTensors& g_;
  torch::Tensor states_;
};

class Objective : public torch::nn::Module {
 public:
  virtual std::string name() const = 0;
  // Scalar loss for one batch. `g.targets` holds the standardised descriptors (M × D)
  // when the descriptor objective is active, `g.atom_targets` the standardised atom-level
  // targets (A × K) when the atom_descriptors objective is; `clean` the encoder states of g,
  // shared with the step's other objectives. Randomness comes from torch's default
  // generator, which the pretrainer seeds and checkpoints.
  virtual torch::Tensor loss(models::PropertyModel& model, const models::GraphTensors& g, CleanStates& clean) = 0;
  // The same for one objective on its own.
  torch::Tensor loss(models::PropertyModel& model, const models::GraphTensors& g) {
    CleanStates clean(model, g);
    return loss(model, g, clean);
  }
};

using ObjectiveFactory = std::function<std::shared_ptr<Objective>(const ObjectiveContext&)>;
// name → factory; make_objective throws molprop::Error listing the known names.
const core::Registry<ObjectiveFactory>& objective_registry();
std::shared_ptr<Objective> make_objective(const std::string& name, const ObjectiveContext& context);

// "masking,descriptors:0.5" → {("masking", 1), ("descriptors", 0.5)}. Throws
// molprop::Error naming the bad item (and PretrainOptions::objectives).
std::vector<std::pair<std::string, double>> parse_objectives(const std::string& text);
// The inverse: weights of 1 are left out ("masking,descriptors:0.5").
std::string format_objectives(const std::vector<std::pair<std::string, double>>& objectives);
// At least one objective, each registered, with a weight > 0, at most once; throws
// molprop::Error naming PretrainOptions::objectives.
void check_objectives(const std::vector<std::pair<std::string, double>>& objectives);

// Replaces the categories of `atoms` (a bool mask over atoms) and of every edge touching
// them with each feature's [MASK] index. Returns a new GraphTensors sharing the rest.
models::GraphTensors mask_atoms(const models::GraphTensors& g, const torch::Tensor& atoms,
                                const std::vector<int64_t>& atom_cardinalities,
                                const std::vector<int64_t>& bond_cardinalities);

// Removes the chemical bonds selected by `drop` (a bool mask over bonds, i.e. over edge
// pairs), keeping pairs adjacent so the reverse of edge e stays e ^ 1.
models::GraphTensors drop_bonds(const models::GraphTensors& g, const torch::Tensor& drop);

}  // namespace molprop::pretrain
