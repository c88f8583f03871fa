#pragma once
// Applicability domain: how close a molecule is to what the model was trained on.
//
// A model folder may hold `domain.h5` (docs/checkpoint-format.md): the ECFP4 (Morgan
// radius 2, 2048 bits) fingerprints of the training molecules. For a new molecule the
// domain reports the highest Tanimoto similarity to any of them; below the threshold
// the model is extrapolating and its prediction deserves less trust.
#include <cstdint>
#include <string>
#include <vector>

#include "chem/fingerprint.h"

namespace molprop::checkpoint {

// Nearest-neighbour ECFP4 Tanimoto below this marks a molecule as out of domain. 0.35 is
// where, on the default model's scaffold test split, errors grow clearly (docs/default-model.md).
inline constexpr double kDefaultDomainThreshold = 0.35;

class ApplicabilityDomain {
 public:
  ApplicabilityDomain() = default;
  // Fingerprints of `smiles` (molecules that fail to parse are skipped).
  static ApplicabilityDomain from_smiles(const std::vector<std::string>& smiles,
                                         double threshold = kDefaultDomainThreshold);
  // Throws molprop::Error naming the file when it is missing or not a domain file.
  static ApplicabilityDomain load(const std::string& path);
  // Written atomically (temporary file + rename).
  void save(const std::string& path) const;

  size_t size() const { return fingerprints_.size(); }
  double threshold() const { return threshold_; }
  void set_threshold(double t) { threshold_ = t; }

  // Highest Tanimoto similarity of `fp` to any training molecule (0 when empty). Exact;
  // visits the training fingerprints in order of their popcount's distance from fp's and
  // stops once Tanimoto ≤ min(|a|,|b|)/max(|a|,|b|) cannot beat the best so far, so a query
  // with a close neighbour reads a small part of the set. Thread-safe (const).
  double max_similarity(const chem::PackedFingerprint& fp) const;
  bool in_domain(double max_similarity) const { return max_similarity >= threshold_; }

 private:
  void add(chem::PackedFingerprint fp);
  // Builds the popcount-sorted search arrays from fingerprints_ (after the last add).
  void build_index();

  std::vector<chem::PackedFingerprint> fingerprints_;  // in training order (saved so)
  std::vector<int> popcounts_;
  // Search index: every fingerprint's words, contiguous, sorted by popcount; start_[p] is
  // the first sorted row with popcount ≥ p (p = 0..2049).
  std::vector<uint64_t> sorted_words_;
  std::vector<int64_t> start_;
  double threshold_ = kDefaultDomainThreshold;
};

inline constexpr const char* kDomainFileName = "domain.h5";

}  // namespace molprop::checkpoint
