#pragma once
// "Featurised molecules → one prediction each, in input order": the step that
// `molprop predict` (predict_csv) and the public molprop::Predictor share. The molecules
// that parsed are collated into one batch and run through the Predictor; the results are
// mapped back to the molecules, and a molecule that failed keeps its reason.
#include <cstdint>
#include <string>
#include <vector>

#include "chem/featurizer.h"

namespace molprop::inference {

class Predictor;

struct MoleculePrediction {
  std::vector<float> mean;  // one per target, original units; empty when the molecule failed
  std::vector<float> std;   // one per target (Predictor::predict); empty when the molecule failed
  // When the model has an applicability domain and the molecule was predicted: the
  // highest ECFP4 Tanimoto similarity to a training molecule, and whether it reaches the
  // domain's threshold. NaN and true otherwise.
  double train_similarity;
  bool in_domain = true;
  // With a per-target domain (a multi-task model): per target, the highest similarity to
  // a training molecule with that target's label and whether the molecule is in that
  // target's domain: the similarity reaches the target's threshold, the prediction is within
  // the training labels' range (± 10% of it, when the domain file knows the range), and
  // there is no domain_note. Empty otherwise.
  std::vector<double> target_similarity;
  std::vector<char> target_in_domain;
  // Why the molecule is outside every target's domain (chem::FeaturizedMol::domain_note:
  // several components, an element the model was not trained on); empty otherwise.
  std::string domain_note;
  std::string error;  // empty ⇔ predicted; otherwise the molecule's failure reason

  MoleculePrediction();
  bool ok() const { return error.empty(); }
};

// Throws molprop::Error "<model> is a pretrained encoder, not a property model; ..." when
// the predictor's model is a `pretrain` output (its metadata says "kind": "pretrained", or
// it has no targets): it embeds, but its head predicts no property.
void check_predicts_properties(const Predictor& predictor);

// Predicts `molecules` (featurised with predictor.featurize_options()) in one batch. A
// molecule whose prediction is not finite (NaN or infinity in any target) gets the
// error "non-finite prediction" instead of its values.
// `similarity`, when given, holds each molecule's similarities to the training set
// (ApplicabilityDomain::all_similarities: overall, then per target), computed beforehand
// (e.g. on featurising threads); otherwise they are computed here from the fingerprint
// when the model has a domain.
std::vector<MoleculePrediction> predict_molecules(Predictor& predictor,
                                                  const std::vector<const chem::FeaturizedMol*>& molecules,
                                                  const std::vector<std::vector<double>>* similarity = nullptr);

// SMILES → predictions: featurises batch_size molecules at a time on the calling thread
// and predicts each batch with predict_molecules. batch_size must be ≥ 1.
std::vector<MoleculePrediction> predict_smiles(Predictor& predictor, const std::vector<std::string>& smiles,
                                               int64_t batch_size);

}  // namespace molprop::inference
