#include "models/model_config.h"

#include <nlohmann/json.hpp>

#include "core/check.h"
#include "core/options.h"

namespace molprop::models {

using nlohmann::json;

std::string to_json(const ModelConfig& c) {
  json j;
  j["encoder"] = {{"name", c.encoder.name},
                  {"hidden", c.encoder.hidden},
                  {"depth", c.encoder.depth},
                  {"dropout", c.encoder.dropout},
                  {"norm", c.encoder.norm},
                  {"residual", c.encoder.residual},
                  {"jk", c.encoder.jk},
                  {"atom_cardinalities", c.encoder.atom_cardinalities},
                  {"bond_cardinalities", c.encoder.bond_cardinalities}};
  // Written only when on: checkpoints without it read as before, also by older molprop.
  if (c.encoder.virtual_node) j["encoder"]["virtual_node"] = true;
  j["readout"] = {{"name", c.readout.name}};
  j["head"] = {{"hidden", c.head.hidden},
               {"layers", c.head.layers},
               {"dropout", c.head.dropout},
               {"num_tasks", c.head.num_tasks}};
  j["num_descriptors"] = c.num_descriptors;
  j["featurizer_version"] = c.featurizer_version;
  return j.dump();
}

ModelConfig model_config_from_json(const std::string& text) {
  ModelConfig c;
  try {
    const json j = json::parse(text);
    const json& e = j.at("encoder");
    c.encoder.name = e.at("name").get<std::string>();
    c.encoder.hidden = e.at("hidden").get<int64_t>();
    c.encoder.depth = e.at("depth").get<int64_t>();
    c.encoder.dropout = e.at("dropout").get<double>();
    c.encoder.norm = e.at("norm").get<std::string>();
    c.encoder.residual = e.at("residual").get<bool>();
    c.encoder.jk = e.at("jk").get<std::string>();
    c.encoder.virtual_node = e.value("virtual_node", false);
    c.encoder.atom_cardinalities = e.at("atom_cardinalities").get<std::vector<int64_t>>();
    c.encoder.bond_cardinalities = e.at("bond_cardinalities").get<std::vector<int64_t>>();
    c.readout.name = j.at("readout").at("name").get<std::string>();
    const json& h = j.at("head");
    c.head.hidden = h.at("hidden").get<int64_t>();
    c.head.layers = h.at("layers").get<int64_t>();
    c.head.dropout = h.at("dropout").get<double>();
    c.head.num_tasks = h.at("num_tasks").get<int64_t>();
    c.num_descriptors = j.at("num_descriptors").get<int64_t>();
    c.featurizer_version = j.at("featurizer_version").get<int64_t>();
  } catch (const json::exception& e) {
    throw Error(std::string("model configuration is invalid: ") + e.what());
  }
  return c;
}

void HeadOptions::validate() const {
  core::check_range<int64_t>("HeadOptions::hidden", hidden, 1, 100000);
  core::check_range<int64_t>("HeadOptions::layers", layers, 1, 10);
  core::check_range("HeadOptions::dropout", dropout, 0.0, 0.99);
  core::check_range<int64_t>("HeadOptions::num_tasks", num_tasks, 1, 1000000);
}

}  // namespace molprop::models
