// molprop::Predictor (api/include/molprop/predictor.h) over inference::Predictor.
#include <molprop/predictor.h>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "checkpoint/default_model.h"
#include "core/check.h"
#include "inference/predict_molecules.h"
#include "inference/predictor.h"

namespace molprop {

struct Predictor::Impl {
  explicit Impl(const std::string& path) : path(path), model(path) {
    targets = model.target_names();
    units = model.target_units();
  }
  std::string path;
  inference::Predictor model;
  std::vector<std::string> targets, units;
};

// The API is an edge like cli/: it reads $MOLPROP_DEFAULT_MODEL, the library takes the value.
Predictor Predictor::load_default() {
  const char* env = std::getenv(checkpoint::kDefaultModelVariable);
  std::string dir;
  try {
    dir = checkpoint::default_model_dir(env ? env : "");
  } catch (const Error& e) {
    std::string message = e.what();
    const std::string hint = "give a model path or a default-model folder";
    if (const size_t at = message.find(hint); at != std::string::npos) {
      message.replace(at, hint.size(), "pass a model path to molprop::Predictor or set MOLPROP_DEFAULT_MODEL");
    }
    throw Error(message);
  }
  return Predictor(dir);
}

Predictor::Predictor(const std::string& model_path) : impl_(std::make_unique<Impl>(model_path)) {}
Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;

const std::vector<std::string>& Predictor::targets() const { return impl_->targets; }
const std::vector<std::string>& Predictor::units() const { return impl_->units; }
size_t Predictor::ensemble_size() const { return impl_->model.ensemble_size(); }
bool Predictor::has_domain() const { return impl_->model.domain() != nullptr; }
const std::string& Predictor::model_path() const { return impl_->path; }

std::vector<Prediction> Predictor::predict(const std::vector<std::string>& smiles, int batch_size) {
  if (batch_size < 1) throw std::invalid_argument("molprop::Predictor::predict: batch_size must be ≥ 1");
  const size_t t = impl_->targets.size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Prediction> out(smiles.size());
  std::vector<inference::MoleculePrediction> predicted = inference::predict_smiles(impl_->model, smiles, batch_size);
  for (size_t i = 0; i < smiles.size(); ++i) {
    const inference::MoleculePrediction& m = predicted[i];
    Prediction& p = out[i];
    p.values.assign(t, nan);
    p.uncertainties.assign(t, nan);
    p.train_similarity = m.train_similarity;
    p.in_domain = m.in_domain;
    p.error = m.error;
    p.domain_note = m.domain_note;
    p.target_in_domain.assign(m.target_in_domain.begin(), m.target_in_domain.end());
    if (!m.ok()) continue;
    p.values.assign(m.mean.begin(), m.mean.end());
    p.uncertainties.assign(m.std.begin(), m.std.end());
  }
  return out;
}

std::string version() { return MOLPROP_VERSION; }

}  // namespace molprop
