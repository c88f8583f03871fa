#pragma once
// CSV (or .smi) → molprop HDF5 dataset: the pipeline behind `molprop featurize`.
//
// Streams the input in chunks, featurises on a thread pool with a bounded queue, and
// writes molecules in input order. Every input row ends up either as a molecule or as
// a failure record (row, SMILES, reason) in the output file.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chem/featurizer.h"
#include "data/graph_dataset.h"

namespace molprop::data {

struct FeaturizeCsvOptions {
  std::string input;                     // .csv, .csv.gz, .smi, .smi.gz
  std::string output;                    // .h5, replaced atomically
  std::string smiles_column = "smiles";  // ignored for .smi files (first field)
  // Target columns. Empty with all_other_columns_are_targets: every column but the
  // SMILES column (Chemprop's default); empty otherwise: an unlabeled dataset.
  std::vector<std::string> targets;
  bool all_other_columns_are_targets = true;
  chem::FeaturizeOptions featurize;
  int threads = 1;
  int chunk_rows = 256;  // rows per unit of work, 1..2^20
  bool quiet = false;    // no progress line

  // Range-checks every setting; throws molprop::Error naming the field
  // (FeaturizeCsvOptions::chunk_rows, ...).
  void validate() const;
};

struct FeaturizeSummary {
  int64_t rows = 0;       // data rows read
  int64_t molecules = 0;  // written as molecules
  int64_t failed = 0;     // written as failures
  double seconds = 0;
  std::vector<std::string> target_names;
  std::vector<FailureRecord> first_failures;     // up to 10, for the summary
  std::map<std::string, int64_t> failure_kinds;  // short reason → count
};

FeaturizeSummary featurize_csv(const FeaturizeCsvOptions& options);

}  // namespace molprop::data
