#pragma once
// Loads a trained model — one checkpoint, or every checkpoint in a folder as an
// ensemble — and predicts collated batches in original target units.
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "checkpoint/domain.h"
#include "checkpoint/model_settings.h"
#include "chem/featurizer.h"
#include "data/batch.h"
#include "models/property_model.h"

namespace molprop::inference {

class Predictor {
 public:
  // `path`: a .h5 checkpoint, or a folder (as written by `molprop train`) whose
  // model.h5 or models/*.h5 form the ensemble. The folder's (or the checkpoint's
  // folder's) domain.h5, when present, is loaded as the applicability domain, and its
  // predict.json and calibration.json (checkpoint/model_settings.h) when present: the
  // calibration scales the ensemble spread and sets each target's domain threshold.
  // Throws molprop::Error naming the path
  // when nothing loadable is found or the members disagree on targets.
  explicit Predictor(const std::string& path, const torch::Device& device = torch::kCPU);

  const std::vector<std::string>& target_names() const { return checkpoints_.front().targets.names; }
  // One per target, empty strings when the model was trained without --units.
  std::vector<std::string> target_units() const;
  size_t ensemble_size() const { return models_.size(); }
  // Null when the model came without domain.h5.
  const checkpoint::ApplicabilityDomain* domain() const { return domain_.get(); }
  checkpoint::ApplicabilityDomain* domain() { return domain_.get(); }
  // True when predictions come with a spread: an ensemble, or a GP/ridge head.
  bool has_uncertainty() const { return models_.size() > 1 || regressors_.front() != nullptr; }
  const std::vector<std::string>& model_paths() const { return paths_; }
  // The model folder: the path given when it is one, else the checkpoint's folder ("." for
  // a bare file name); where domain.h5, predict.json, calibration.json and metrics.json are.
  const std::string& folder() const { return folder_; }
  // The first model's training record (JSON; `"kind": "pretrained"` for a pretrain output).
  const std::string& metadata_json() const { return checkpoints_.front().metadata_json; }
  const checkpoint::PredictSettings& settings() const { return settings_; }
  const checkpoint::Calibration& calibration() const { return calibration_; }
  // The targets shown when a user names none: predict.json's default_properties, or all.
  std::vector<std::string> default_properties() const;
  // Each prediction from now on the mean over the compound's `forms` most plausible
  // tautomers (predict.json's tautomer_forms, chem::ParseOptions; 0: off). Throws
  // molprop::Error outside 0..chem::kMaxTautomerForms.
  void set_tautomer_forms(int forms);
  // Per target: predicted from the molecule as written even with tautomer forms
  // (predict.json's tautomer_as_written); one entry per target.
  const std::vector<bool>& tautomer_as_written() const { return as_written_; }
  // Raw ensemble spread and the domain file's thresholds from now on (what `calibrate`
  // measures before it writes a new calibration.json).
  void disable_calibration();
  // What featurisation the models need (descriptors when trained with them; the
  // standardisation and domain notes predict.json asks for).
  chem::FeaturizeOptions featurize_options() const;
  int64_t num_descriptors() const { return checkpoints_.front().config.num_descriptors; }

  // mean and std: batch.num_molecules × tasks, row-major; std is the ensemble's
  // standard deviation, or for a single model with a ridge/GP head that head's
  // predictive std (0 for a single MLP model), calibrated when the folder has a
  // calibration.json: sqrt((spread_scale·spread)² + spread_floor²). Eval mode, no grad.
  void predict(const data::Batch& batch, std::vector<float>& mean, std::vector<float>& std);

  // Readout embeddings of the first model: batch.num_molecules × embedding_dim().
  std::vector<float> embed(const data::Batch& batch);
  int64_t embedding_dim() { return models_.front()->embedding_dim(); }

 private:
  std::vector<std::string> paths_;
  std::vector<checkpoint::Checkpoint> checkpoints_;
  std::vector<models::PropertyModel> models_;
  std::vector<std::unique_ptr<regression::EmbeddingRegressor>> regressors_;  // null for MLP heads
  std::unique_ptr<checkpoint::ApplicabilityDomain> domain_;
  std::string folder_;
  checkpoint::PredictSettings settings_;
  std::vector<bool> as_written_;  // per target: predict.json tautomer_as_written
  checkpoint::Calibration calibration_;
  std::vector<float> spread_scale_, spread_floor_;  // per target; empty without calibration
  torch::Device device_;
};

// For workers that each run a model on their own batches: this thread's LibTorch and
// oneDNN (OpenMP) work runs on the thread itself, without a team of helpers that would
// wait for work between small products. Idempotent per thread.
void use_one_intra_op_thread();

}  // namespace molprop::inference
