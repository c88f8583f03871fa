#include "pretrain/objective.h"

#include <sstream>

#include "core/check.h"
#include "pretrain/atom_descriptor_objective.h"
#include "pretrain/contrastive.h"
#include "pretrain/descriptor_objective.h"
#include "pretrain/masking.h"

namespace molprop::pretrain {

const core::Registry<ObjectiveFactory>& objective_registry() {
  static const core::Registry<ObjectiveFactory> registry{
      "objective",
      "known objectives",
      {
          {"masking", [](const ObjectiveContext& c) { return std::make_shared<MaskingObjective>(c); }},
          {"descriptors", [](const ObjectiveContext& c) { return std::make_shared<DescriptorObjective>(c); }},
          {"contrastive", [](const ObjectiveContext& c) { return std::make_shared<ContrastiveObjective>(c); }},
          {"atom_descriptors", [](const ObjectiveContext& c) { return std::make_shared<AtomDescriptorObjective>(c); }},
      }};
  return registry;
}

std::shared_ptr<Objective> make_objective(const std::string& name, const ObjectiveContext& context) {
  return objective_registry().at(name)(context);
}

std::vector<std::pair<std::string, double>> parse_objectives(const std::string& text) {
  std::vector<std::pair<std::string, double>> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    if (item.empty()) continue;
    std::string name = item;
    double weight = 1.0;
    const size_t colon = item.find(':');
    if (colon != std::string::npos) {
      name = item.substr(0, colon);
      try {
        size_t used = 0;
        weight = std::stod(item.substr(colon + 1), &used);
        if (used != item.size() - colon - 1) throw std::invalid_argument("trailing text");
      } catch (const std::exception&) {
        throw Error("PretrainOptions::objectives: cannot read the weight in '" + item + "' (expected name:number)");
      }
    }
    out.emplace_back(name, weight);
  }
  check_objectives(out);
  return out;
}

std::string format_objectives(const std::vector<std::pair<std::string, double>>& objectives) {
  std::ostringstream os;
  for (size_t i = 0; i < objectives.size(); ++i) {
    os << (i ? "," : "") << objectives[i].first;
    if (objectives[i].second != 1.0) os << ':' << objectives[i].second;
  }
  return os.str();
}

void check_objectives(const std::vector<std::pair<std::string, double>>& objectives) {
  for (size_t i = 0; i < objectives.size(); ++i) {
    const auto& [name, weight] = objectives[i];
    if (!(weight > 0)) throw Error("PretrainOptions::objectives: weight of '" + name + "' must be > 0");
    objective_registry().at(name);  // throws with the list of known names
    for (size_t j = 0; j < i; ++j) {
      if (objectives[j].first == name) throw Error("PretrainOptions::objectives: '" + name + "' given twice");
    }
  }
  if (objectives.empty()) {
    throw Error("PretrainOptions::objectives: give at least one of " + objective_registry().joined_names());
  }
}

models::GraphTensors mask_atoms(const models::GraphTensors& g, const torch::Tensor& atoms,
                                const std::vector<int64_t>& atom_cardinalities,
                                const std::vector<int64_t>& bond_cardinalities) {
  models::GraphTensors out = g;
  const auto long_opts = torch::TensorOptions().dtype(torch::kLong).device(g.atom_features.device());
  const torch::Tensor atom_mask_row = torch::tensor(atom_cardinalities, long_opts).unsqueeze(0);
  out.atom_features = torch::where(atoms.unsqueeze(1), atom_mask_row, g.atom_features);
  if (g.num_edges > 0) {
    const torch::Tensor touched = atoms.index_select(0, g.edge_src) | atoms.index_select(0, g.edge_dst);
    const torch::Tensor bond_mask_row = torch::tensor(bond_cardinalities, long_opts).unsqueeze(0);
    out.bond_features = torch::where(touched.unsqueeze(1), bond_mask_row, g.bond_features);
  }
  return out;
}

models::GraphTensors drop_bonds(const models::GraphTensors& g, const torch::Tensor& drop) {
  models::GraphTensors out = g;
  if (g.num_edges == 0) return out;
  const torch::Tensor keep_pairs = ~drop;                            // bonds
  const torch::Tensor keep_edges = keep_pairs.repeat_interleave(2);  // directed edges
  const torch::Tensor idx = torch::nonzero(keep_edges).squeeze(1);
  out.edge_src = g.edge_src.index_select(0, idx);
  out.edge_dst = g.edge_dst.index_select(0, idx);
  out.bond_features = g.bond_features.index_select(0, idx);
  out.num_edges = idx.size(0);
  out.edge_rev = torch::arange(out.num_edges, idx.options()).bitwise_xor(1);
  return out;
}

}  // namespace molprop::pretrain
