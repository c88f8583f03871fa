#pragma once
// How much a model's predictions move between ways of writing the same compound: the
// pipeline behind `molprop robustness` (docs/robustness.md).
//
// For every input molecule, chem::enumerate_variants gives its variants (spelling,
// tautomer, charge, explicit_h); the molecule and its variants are predicted with the
// model exactly as `predict` would (its standardisation included). A molecule's drift for
// a kind and target is the largest |prediction(variant) − prediction(molecule)| over its
// variants of that kind. Per kind and target the report gives the molecules that had such
// a variant and the mean, median, 95th percentile and maximum drift, next to the model's
// test RMSE when its folder (Predictor::folder) has a metrics.json. The detail CSV has one row per variant:
//   row,smiles,kind,variant,<target>_delta...,error
// (signed delta, empty for a variant that failed, with its reason).
#include <cstdint>
#include <string>
#include <vector>

#include "chem/variants.h"

namespace molprop::inference {

class Predictor;

struct RobustnessOptions {
  std::string input;   // .csv, .csv.gz, .smi, .smi.gz
  std::string output;  // detail CSV, replaced atomically; "" for none
  std::string smiles_column = "smiles";
  chem::VariantOptions variants;
  int64_t max_molecules = 0;  // the first N molecules of the input; 0: all
  int64_t batch_size = 256;   // molecules per inference batch, 1..2^20
  int worst = 3;              // worst molecules listed per kind, 0..100
  bool quiet = false;

  // Range-checks every setting; throws molprop::Error naming the field
  // (RobustnessOptions::batch_size, ...).
  void validate() const;
};

struct DriftStats {
  int64_t molecules = 0;  // molecules with at least one variant of the kind
  double mean = 0, median = 0, p95 = 0, max = 0;
};

struct WorstMolecule {
  std::string smiles, variant;
  double drift = 0;  // |Δ| of the first target
};

struct KindReport {
  std::string kind;
  int64_t variants = 0;            // predicted variants of this kind
  std::vector<DriftStats> drift;   // per target
  std::vector<WorstMolecule> worst;  // largest drift of the first shown target first
};

struct RobustnessReport {
  std::vector<std::string> targets;
  std::vector<double> test_rmse;  // per target; NaN when unknown
  int64_t molecules = 0, failed = 0;
  std::vector<KindReport> kinds;  // in chem::variant_kinds() order, the enabled ones
  double seconds = 0;
};

RobustnessReport measure_robustness(Predictor& predictor, const RobustnessOptions& options);

}  // namespace molprop::inference
