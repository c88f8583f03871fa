#pragma once
// CSV (or .smi) → CSV of canonical SMILES: the pipeline behind `molprop canonicalize`, for
// deduplicating and merging SMILES lists (the pretraining corpus, scripts/build-pretrain-corpus.sh).
//
// Streams the input through the featurising stream (data/featurize_stream.h) on a thread
// pool and writes, in input order, one output row per input row:
//   row,smiles,canonical_smiles,error
// and with tautomer_forms > 0 a fifth column, tautomers: the compound's most plausible
// tautomers (chem::ParseOptions::tautomer_forms), canonical SMILES separated by spaces.
// (1-based data row, the SMILES as given, RDKit's canonical isomeric SMILES, and the reason
// when the SMILES could not be read: then canonical_smiles is empty). Nothing is dropped or
// reordered; the output is replaced atomically.
#include <cstdint>
#include <string>

#include "chem/featurizer.h"

namespace molprop::data {

struct CanonicalizeCsvOptions {
  std::string input;                     // .csv, .csv.gz, .smi, .smi.gz
  std::string output;                    // .csv, replaced atomically
  std::string smiles_column = "smiles";  // ignored for .smi files (first field)
  bool standardize = false;              // largest fragment + neutralise first (chem::ParseOptions)
  bool canonical_tautomer = false;       // then RDKit's canonical tautomer (chem::ParseOptions)
  int tautomer_forms = 0;                // > 0: also the column of that many tautomers
  int threads = 1;
  int chunk_rows = 1024;  // rows per unit of work, 1..2^20
  bool quiet = false;     // no progress line

  // Range-checks every setting; throws molprop::Error naming the field
  // (CanonicalizeCsvOptions::chunk_rows, ...).
  void validate() const;
};

struct CanonicalizeSummary {
  int64_t rows = 0;    // data rows read (= rows written)
  int64_t failed = 0;  // rows with an error cell
  double seconds = 0;
};

CanonicalizeSummary canonicalize_csv(const CanonicalizeCsvOptions& options);

// A CSV cell: as is, or in double quotes (inner quotes doubled) when it holds a comma, a
// quote or a line break.
std::string csv_cell(const std::string& text);

}  // namespace molprop::data
