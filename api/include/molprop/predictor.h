#pragma once
// molprop's public C++ API: load a trained model (by default the one that ships with
// molprop) and predict properties for SMILES strings.
//
//   #include <molprop/predictor.h>
//   molprop::Predictor p = molprop::Predictor::load_default();
//   for (const molprop::Prediction& r : p.predict({"CCO", "c1ccccc1"})) {
//     if (!r.ok()) { std::cerr << r.error << "\n"; continue; }
//     std::cout << p.targets()[0] << " = " << r.values[0] << " ± " << r.uncertainties[0] << "\n";
//   }
//
// Link with the imported target molprop::molprop from find_package(molprop). This header
// needs only the standard library; torch, RDKit and HDF5 stay inside libmolprop.
// Errors in loading (missing or incompatible model files) throw std::runtime_error with a
// message naming the file; a SMILES that does not parse is not an error of the call: its
// Prediction carries the reason. A Predictor is not safe to use from several threads at once.
#include <memory>
#include <string>
#include <vector>

namespace molprop {

// The result for one input SMILES, in input order.
struct Prediction {
  std::vector<double> values;         // one per target, in the model's units; NaN when failed
  std::vector<double> uncertainties;  // one per target: ensemble standard deviation (or the
                                      // GP/ridge head's predictive std); 0 for a single MLP model
  // Highest ECFP4 Tanimoto similarity to a training molecule, and whether it reaches the
  // model's threshold (0.35 for the default model); NaN / true when the model has no domain.
  double train_similarity = 0;
  bool in_domain = true;
  std::string error;  // empty when predicted; otherwise why the SMILES was rejected
  // A multi-task model with a per-target domain (the default model): per target, whether
  // the molecule is close enough to training molecules with that target's label; empty
  // otherwise. domain_note says why a molecule is outside every target's domain (several
  // components, an element the model was not trained on); empty when nothing is unusual.
  std::vector<bool> target_in_domain;
  std::string domain_note;

  bool ok() const { return error.empty(); }
};

class Predictor {
 public:
  // The model that ships with molprop (logS, logP, logD7.4, melting point, hydration free
  // energy, pKa, Henry's law constant, KOA: docs/default-model.md), found in
  // $MOLPROP_DEFAULT_MODEL or the install/share folder; throws std::runtime_error listing
  // where it looked when there is none.
  static Predictor load_default();

  // A checkpoint (.h5) or a folder written by `molprop train` (an ensemble of its models).
  explicit Predictor(const std::string& model_path);
  ~Predictor();
  Predictor(Predictor&&) noexcept;
  Predictor& operator=(Predictor&&) noexcept;

  const std::vector<std::string>& targets() const;  // e.g. {"logS", "logD7.4", "dG_hyd"}
  const std::vector<std::string>& units() const;    // one per target; "" when unknown
  size_t ensemble_size() const;
  bool has_domain() const;
  const std::string& model_path() const;

  // One Prediction per SMILES, same order. Molecules run through the model in batches of
  // batch_size; invalid SMILES are reported in their Prediction and never stop the call.
  std::vector<Prediction> predict(const std::vector<std::string>& smiles, int batch_size = 64);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// molprop's version, "MAJOR.MINOR.PATCH".
std::string version();

}  // namespace molprop
