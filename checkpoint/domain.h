#pragma once
// Applicability domain: how close a molecule is to what the model was trained on.
//
// A model folder may hold `domain.h5` (docs/checkpoint-format.md): the ECFP4 (Morgan
// radius 2, 2048 bits) fingerprints of the training molecules. For a new molecule the
// domain reports the highest Tanimoto similarity to any of them; below the threshold
// the model is extrapolating and its prediction deserves less trust.
//
// A multi-task model's domain is per target (format version 2): which training molecules
// have each target's label, so that a molecule is in a target's domain only when it is
// close to a molecule with that label (ethanol is near ESOL's and FreeSolv's small
// molecules, but near nothing with a logD7.4 label). Each target has its own threshold
// (`molprop calibrate` chooses them from held-out error).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/fingerprint.h"

namespace molprop::checkpoint {

// Nearest-neighbour ECFP4 Tanimoto below this marks a molecule as out of domain. 0.35 is
// where, on the default model's scaffold test split, errors grow clearly (docs/default-model.md).
inline constexpr double kDefaultDomainThreshold = 0.35;
// A prediction this fraction of a target's training-label range beyond it is out of domain.
inline constexpr double kLabelRangeMargin = 0.1;

class ApplicabilityDomain {
 public:
  ApplicabilityDomain() = default;
  // Fingerprints of `smiles` (molecules that fail to parse are skipped).
  static ApplicabilityDomain from_smiles(const std::vector<std::string>& smiles,
                                         double threshold = kDefaultDomainThreshold);
  // Per target: labelled[i * target_names.size() + t] != 0 when molecule i has target t's
  // label (smiles.size() × targets, row-major). A molecule that fails to parse is skipped.
  static ApplicabilityDomain from_smiles(const std::vector<std::string>& smiles, const std::vector<char>& labelled,
                                         const std::vector<std::string>& target_names,
                                         double threshold = kDefaultDomainThreshold);
  // Throws molprop::Error naming the file when it is missing or not a domain file.
  static ApplicabilityDomain load(const std::string& path);
  // Written atomically (temporary file + rename).
  void save(const std::string& path) const;

  size_t size() const { return size_; }
  double threshold() const { return threshold_; }
  // Sets the overall threshold and every target's.
  void set_threshold(double t);

  // Per-target domains: empty names (0 targets) for a domain over all training molecules.
  const std::vector<std::string>& target_names() const { return target_names_; }
  size_t num_targets() const { return target_names_.size(); }
  size_t target_size(size_t target) const { return per_target_.at(target).size(); }
  double threshold(size_t target) const { return per_target_.at(target).threshold(); }
  void set_threshold(size_t target, double t) { per_target_.at(target).threshold_ = t; }
  // Highest similarity to a training molecule with target `target`'s label.
  double max_similarity(const chem::PackedFingerprint& fp, size_t target) const {
    return per_target_.at(target).max_similarity(fp);
  }
  bool in_domain(double max_similarity, size_t target) const { return max_similarity >= threshold(target); }
  // {overall, target 0, ..., target T−1}: max_similarity(fp) and each max_similarity(fp, t).
  // The overall one is the largest per-target one (or that of the training molecules with
  // no label, searched on their own): the whole set is not searched a second time.
  std::vector<double> all_similarities(const chem::PackedFingerprint& fp) const;

  // The range of each target's training labels (per-target domains only; empty when the
  // file predates them). A prediction more than kLabelRangeMargin of the range beyond it is
  // out of that target's domain: the model is extrapolating in the property itself.
  void set_label_ranges(std::vector<double> min, std::vector<double> max);
  bool has_label_ranges() const { return !label_min_.empty(); }
  bool in_label_range(size_t target, double value) const;

  // Highest Tanimoto similarity of `fp` to any training molecule (0 when empty). Exact;
  // visits the training fingerprints in order of their popcount's distance from fp's and
  // stops once Tanimoto ≤ min(|a|,|b|)/max(|a|,|b|) cannot beat the best so far, so a query
  // with a close neighbour reads a small part of the set. With per-target domains, the
  // largest of the per-target searches (all_similarities()[0]). Thread-safe (const).
  double max_similarity(const chem::PackedFingerprint& fp) const;
  bool in_domain(double max_similarity) const { return max_similarity >= threshold_; }

 private:
  void add(const uint64_t* words);
  // Builds the popcount-sorted search arrays from words_ (after the last add).
  void build_index();
  // per_target_ and unlabelled_ from labelled_. Each keeps only its search arrays; this
  // domain keeps words_ (for save()) and, having per-target domains, no search arrays of its
  // own: the overall similarity is the largest per-target one.
  void build_targets();
  // The popcount-sorted search over this domain's own rows.
  double search(const chem::PackedFingerprint& fp) const;

  size_t size_ = 0;
  // Fingerprint i's kWords words at words_[i * kWords], in training order (saved so); empty
  // in a per-target domain once its search arrays are built.
  std::vector<uint64_t> words_;
  std::vector<std::string> target_names_;              // empty: no per-target domains
  std::vector<char> labelled_;                         // size() × num_targets(), row-major
  std::vector<ApplicabilityDomain> per_target_;        // one per target: its labelled molecules
  std::vector<double> label_min_, label_max_;          // per target; empty when unknown
  std::shared_ptr<const ApplicabilityDomain> unlabelled_;  // training molecules without any label; null if none
  std::vector<int> popcounts_;
  // Search index: every fingerprint's words, contiguous, sorted by popcount; start_[p] is
  // the first sorted row with popcount ≥ p (p = 0..2049).
  std::vector<uint64_t> sorted_words_;
  std::vector<int64_t> start_;
  double threshold_ = kDefaultDomainThreshold;
};

inline constexpr const char* kDomainFileName = "domain.h5";

}  // namespace molprop::checkpoint
