#include "finetune/predictor.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "chem/check.h"
#include "finetune/scaler.h"
#include "finetune/trainer.h"
#include "models/graph_tensors.h"

namespace molprop::finetune {
namespace fs = std::filesystem;

std::vector<std::string> model_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such model file or folder");
  if (!fs::is_directory(path, ec)) return {path};
  if (fs::exists(path + "/model.h5")) return {path + "/model.h5"};
  std::vector<std::string> files;
  if (fs::is_directory(path + "/models")) {
    for (const auto& e : fs::directory_iterator(path + "/models")) {
      if (e.path().extension() == ".h5") files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(path + ": no model.h5 or models/*.h5 in this folder");
  return files;
}

Predictor::Predictor(const std::string& path, const torch::Device& device) : device_(device) {
  paths_ = model_files(path);
  for (const auto& file : paths_) {
    Checkpoint c;
    models::PropertyModel m = load_checkpoint(file, &c);
    m->to(device_);
    m->eval();
    if (!checkpoints_.empty()) {
      const Checkpoint& first = checkpoints_.front();
      if (c.targets.names != first.targets.names || c.config.num_descriptors != first.config.num_descriptors) {
        throw Error(file + ": targets or features differ from " + paths_.front() + "; an ensemble must agree");
      }
    }
    checkpoints_.push_back(std::move(c));
    models_.push_back(m);
  }
}

chem::FeaturizeOptions Predictor::featurize_options() const {
  chem::FeaturizeOptions o;
  o.descriptors = num_descriptors() > 0;
  return o;
}

void Predictor::predict(const data::Batch& batch, std::vector<float>& mean, std::vector<float>& std) {
  torch::NoGradGuard no_grad;
  const auto tasks = static_cast<size_t>(checkpoints_.front().config.head.num_tasks);
  const size_t n = static_cast<size_t>(batch.num_molecules) * tasks;
  mean.assign(n, 0.0f);
  std.assign(n, 0.0f);
  if (batch.num_molecules == 0) return;
  std::vector<float> sq(n, 0.0f);
  for (size_t k = 0; k < models_.size(); ++k) {
    const models::GraphTensors g = models::to_tensors(batch, device_, scaled_descriptors(batch, checkpoints_[k]));
    const torch::Tensor out = models_[k]->forward(g).to(torch::kCPU).contiguous();
    std::vector<float> pred(out.data_ptr<float>(), out.data_ptr<float>() + out.numel());
    invert_scaling(pred, checkpoints_[k].targets);
    for (size_t i = 0; i < n; ++i) {
      mean[i] += pred[i];
      sq[i] += pred[i] * pred[i];
    }
  }
  const auto m = static_cast<float>(models_.size());
  for (size_t i = 0; i < n; ++i) {
    mean[i] /= m;
    // Population std over members; numerical noise can make the variance slightly < 0.
    std[i] = models_.size() > 1 ? std::sqrt(std::max(0.0f, sq[i] / m - mean[i] * mean[i])) : 0.0f;
  }
}

std::vector<float> Predictor::embed(const data::Batch& batch) {
  torch::NoGradGuard no_grad;
  const models::GraphTensors g = models::to_tensors(batch, device_, scaled_descriptors(batch, checkpoints_.front()));
  const torch::Tensor out = models_.front()->embed(g).to(torch::kCPU).contiguous();
  return {out.data_ptr<float>(), out.data_ptr<float>() + out.numel()};
}

}  // namespace molprop::finetune
