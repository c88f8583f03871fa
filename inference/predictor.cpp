#include "inference/predictor.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "checkpoint/model_files.h"
#include "checkpoint/model_inputs.h"
#include "chem/descriptors.h"
#include "core/check.h"
#include "core/options.h"
#include "data/scaler.h"
#include "models/graph_tensors.h"

namespace molprop::inference {
namespace fs = std::filesystem;

Predictor::Predictor(const std::string& path, const torch::Device& device) : device_(device) {
  paths_ = checkpoint::model_files(path);
  for (const auto& file : paths_) {
    checkpoint::Checkpoint c;
    models::PropertyModel m = checkpoint::load_checkpoint(file, &c);
    m->to(device_);
    m->eval();
    if (!checkpoints_.empty()) {
      const checkpoint::Checkpoint& first = checkpoints_.front();
      if (c.targets.names != first.targets.names || c.config.num_descriptors != first.config.num_descriptors) {
        throw Error(file + ": targets or features differ from " + paths_.front() + "; an ensemble must agree");
      }
    }
    regressors_.push_back(c.regressor_kind.empty()
                              ? nullptr
                              : regression::load_regressor(c.regressor_kind, c.regressor_params, c.regressor_arrays));
    checkpoints_.push_back(std::move(c));
    models_.push_back(m);
  }
  std::error_code ec;
  const fs::path folder = fs::is_directory(path, ec) ? fs::path(path) : fs::path(path).parent_path();
  folder_ = (folder.empty() ? fs::path(".") : folder).string();
  const fs::path domain_file = fs::path(folder_) / checkpoint::kDomainFileName;
  if (fs::exists(domain_file, ec)) {
    domain_ =
        std::make_unique<checkpoint::ApplicabilityDomain>(checkpoint::ApplicabilityDomain::load(domain_file.string()));
  }
  const std::string& dir = folder_;
  settings_ = checkpoint::load_predict_settings(dir);
  // A target named in predict.json: its index, or an error naming the file and the field.
  const auto target_index = [&](const std::string& name, const std::string& not_a_target) {
    const auto it = std::find(target_names().begin(), target_names().end(), name);
    if (it == target_names().end()) throw Error(dir + "/" + checkpoint::kPredictSettingsFileName + ": " + not_a_target);
    return static_cast<size_t>(it - target_names().begin());
  };
  for (const auto& name : settings_.default_properties) {
    target_index(name, "default property " + name + " is not a target of the model");
  }
  as_written_.assign(target_names().size(), false);
  for (const auto& name : settings_.tautomer_as_written) {
    as_written_[target_index(name, "tautomer_as_written names " + name + ", which is not a target of the model")] = true;
  }
  calibration_ = checkpoint::load_calibration(dir);
  if (!calibration_.empty()) {
    const auto& names = target_names();
    spread_scale_.assign(names.size(), 1.0f);
    spread_floor_.assign(names.size(), 0.0f);
    for (size_t t = 0; t < names.size(); ++t) {
      const auto it = calibration_.targets.find(names[t]);
      if (it == calibration_.targets.end()) continue;
      spread_scale_[t] = static_cast<float>(it->second.spread_scale);
      spread_floor_[t] = static_cast<float>(it->second.spread_floor);
      if (domain_ && it->second.domain_threshold >= 0 && t < domain_->num_targets() &&
          domain_->target_names()[t] == names[t]) {
        domain_->set_threshold(t, it->second.domain_threshold);
      }
    }
  }
  if (domain_ && domain_->num_targets() > 0 && domain_->target_names() != target_names()) {
    throw Error(domain_file.string() + ": its per-target domains are for other targets than the model's");
  }
}

void Predictor::set_tautomer_forms(int forms) {
  core::check_range("Predictor::tautomer_forms", forms, 0, chem::kMaxTautomerForms);
  settings_.tautomer_forms = forms;
}

void Predictor::disable_calibration() {
  spread_scale_.clear();
  spread_floor_.clear();
  if (domain_) domain_->set_threshold(domain_->threshold());
}

std::vector<std::string> Predictor::default_properties() const {
  return settings_.default_properties.empty() ? target_names() : settings_.default_properties;
}

void use_one_intra_op_thread() {
  thread_local bool done = false;
  if (done) return;
  at::set_num_threads(1);
  done = true;
}

std::vector<std::string> Predictor::target_units() const {
  const auto& units = checkpoints_.front().target_units;
  return units.empty() ? std::vector<std::string>(target_names().size()) : units;
}

chem::FeaturizeOptions Predictor::featurize_options() const {
  chem::FeaturizeOptions o;
  o.descriptors = num_descriptors() > 0;
  if (o.descriptors) {
    // The set the model was trained with, recognised by its stored names (rdkit2d-v1 otherwise).
    const std::string set = chem::descriptor_set_for(checkpoints_.front().descriptors.names);
    if (!set.empty()) o.descriptor_set = set;
  }
  o.fingerprint = domain_ != nullptr;
  o.standardize = settings_.standardize;
  o.canonical_tautomer = settings_.canonical_tautomer;
  o.tautomer_forms = settings_.tautomer_forms;
  o.domain_notes = domain_ != nullptr;
  o.known_elements = settings_.known_elements;
  return o;
}

void Predictor::predict(const data::Batch& batch, std::vector<float>& mean, std::vector<float>& std) {
  torch::NoGradGuard no_grad;
  const auto tasks = target_names().size();
  const size_t n = static_cast<size_t>(batch.num_molecules) * tasks;
  mean.assign(n, 0.0f);
  std.assign(n, 0.0f);
  if (batch.num_molecules == 0) return;
  std::vector<std::vector<float>> members;
  std::vector<float> head_std;
  // One collation for all members; only the descriptors are scaled per member.
  models::GraphTensors g = models::to_tensors(batch, device_);
  for (size_t k = 0; k < models_.size(); ++k) {
    g.descriptors = checkpoint::scaled_descriptors(batch, checkpoints_[k]);
    if (g.descriptors.defined()) g.descriptors = g.descriptors.to(device_);
    std::vector<float> pred;
    if (regressors_[k]) {
      const torch::Tensor emb = models_[k]->embed(g).to(torch::kCPU).contiguous();
      regressors_[k]->predict({emb.data_ptr<float>(), emb.data_ptr<float>() + emb.numel()}, batch.num_molecules, pred,
                              head_std);
    } else {
      const torch::Tensor out = models_[k]->forward(g).to(torch::kCPU).contiguous();
      pred.assign(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
      data::invert_scaling(pred, checkpoints_[k].targets);
    }
    MOLPROP_CHECK(pred.size() == n, "model " << paths_[k] << " gave " << pred.size() << " values, expected " << n);
    for (size_t i = 0; i < n; ++i) mean[i] += pred[i] / static_cast<float>(models_.size());
    members.push_back(std::move(pred));
  }
  if (models_.size() == 1) {
    if (regressors_.front()) std = head_std;
    return;
  }
  // Population standard deviation over members, two-pass for accuracy.
  for (const auto& m : members) {
    for (size_t i = 0; i < n; ++i) std[i] += (m[i] - mean[i]) * (m[i] - mean[i]);
  }
  for (size_t i = 0; i < n; ++i) std[i] = std::sqrt(std[i] / static_cast<float>(members.size()));
  if (spread_scale_.empty()) return;
  for (size_t i = 0; i < n; ++i) {
    const size_t t = i % tasks;
    const float scaled = spread_scale_[t] * std[i];
    std[i] = std::sqrt(scaled * scaled + spread_floor_[t] * spread_floor_[t]);
  }
}

std::vector<float> Predictor::embed(const data::Batch& batch) {
  torch::NoGradGuard no_grad;
  const models::GraphTensors g =
      models::to_tensors(batch, device_, checkpoint::scaled_descriptors(batch, checkpoints_.front()));
  const torch::Tensor out = models_.front()->embed(g).to(torch::kCPU).contiguous();
  return {out.data_ptr<float>(), out.data_ptr<float>() + out.numel()};
}

}  // namespace molprop::inference
