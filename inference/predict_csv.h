#pragma once
// Batch prediction of a SMILES file: the pipeline behind `molprop predict`.
//
// Streams the input in chunks; worker threads featurise chunk k+1 while the calling
// thread runs the model on chunk k, so parsing and inference overlap. Memory is bounded
// by the number of chunks in flight, not by the input size. Every input row appears in
// the output, in input order, with its original columns, one column per target (original
// units), the standard deviation per target (`<target>_std`) when there are several
// models or the model has a GP/ridge head, the applicability domain when the model has
// one (`train_similarity`: highest ECFP4 Tanimoto to a training molecule; `in_domain`:
// yes/no against the domain's threshold), and an `error` column (empty when the row was
// predicted). A multi-task model with a per-target domain (checkpoint/domain.h) has
// `<target>_in_domain` per shown target instead of `in_domain`, and every model with a
// domain has `domain_note` (why a molecule is outside every target's domain: several
// components, an unknown element). `format = table` writes one column per target named
// by the target alone, "value ± std" with "*" appended outside that target's domain, then
// `note` (domain note or error), and a legend (cells, units, "*") at the end. Target columns carry their units when the model knows them:
// `logS (log10(mol/L))`. An output column whose name an input column already has (an
// input with its own `logS` or `error` column) gets `_pred` appended until it is unique:
// `error_pred`. A CSV row with more fields than the header fails with that reason in
// its error cell (its columns are cut to the header's). A file output is written to a temporary file and renamed into
// place when complete; an empty output or "-" streams to stdout.
#include <cstdint>
#include <string>
#include <vector>

#include "chem/parse.h"

namespace molprop::inference {

class Predictor;

struct PredictCsvOptions {
  std::string input;                     // .csv, .csv.gz, .smi, .smi.gz; "-": stdin (CSV)
  std::string output;                    // .csv; "" or "-": stdout
  std::string format = "csv";            // csv | table (aligned columns for reading)
  std::string smiles_column = "smiles";  // ignored for .smi (first field)
  int threads = 1;                       // featurisation workers (inference uses the caller)
  // Molecules per inference batch (= rows per chunk), 1..2^20; peak memory grows with it. 24: as
  // fast as 32 and 48, and 16 MB less peak memory than 32 for the default model (docs/performance.md,
  // 2026-12-07).
  int64_t batch_size = 24;
  // Shard k of n: only the records that start in the k-th of n equal byte ranges of the
  // (uncompressed) input's data, found by seeking, so no shard reads the others' bytes.
  // Writes <output>.shard.json beside the output; `molprop merge` joins the shards.
  int shard_index = 0, num_shards = 1;  // 0 ≤ shard_index < num_shards
  bool quiet = false;
  // Which targets get columns, by name, in this order; empty: the model's default
  // properties (Predictor::default_properties); {"all"}: every target. An unknown name
  // throws molprop::Error listing the model's targets.
  std::vector<std::string> properties;
  // Parse limits (chem/parse.h) applied on top of the model's featurisation: a longer
  // SMILES, or one with more atoms, fails its row with that reason.
  int max_smiles_length = chem::kDefaultMaxSmilesLength;
  int max_atoms = chem::kDefaultMaxAtoms;

  // Range-checks every setting; throws molprop::Error naming the field
  // (PredictCsvOptions::batch_size, ...). predict_csv calls it first.
  void validate() const;
};

struct PredictSummary {
  int64_t rows = 0, predicted = 0, failed = 0;
  double seconds = 0;
};

PredictSummary predict_csv(Predictor& predictor, const PredictCsvOptions& options);

}  // namespace molprop::inference
