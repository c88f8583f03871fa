#pragma once
// Molecule embeddings of a SMILES file: the pipeline behind `molprop embed`.
//
// Same streaming shape as predict_csv: worker threads featurise chunk k+1 while the
// calling thread embeds chunk k, and each chunk is written to HDF5 as soon as it is
// embedded, so memory is bounded by the chunks in flight, not by the input size. Every
// input row gets one output row, in input order; a row whose SMILES cannot be used gets
// an all-NaN embedding, status 1 and the reason. The layout is docs/embeddings-format.md.
// The file is written to a temporary name and renamed into place when complete.
#include <cstdint>
#include <string>

namespace molprop::inference {

class Predictor;

struct EmbedCsvOptions {
  std::string input;                     // .csv, .csv.gz, .smi, .smi.gz
  std::string output;                    // .h5 (docs/embeddings-format.md)
  std::string smiles_column = "smiles";  // ignored for .smi (first field)
  int threads = 1;                       // featurisation workers (inference uses the caller)
  int64_t batch_size = 256;              // molecules per inference batch (= rows per chunk), 1..2^20
  // Shard k of n of an uncompressed input (data/shard_range.h); the manifest goes into the
  // file's attributes and `molprop merge` joins the shards.
  int shard_index = 0, num_shards = 1;  // 0 ≤ shard_index < num_shards
  bool quiet = false;

  // Range-checks every setting; throws molprop::Error naming the field
  // (EmbedCsvOptions::batch_size, ...).
  void validate() const;
};

struct EmbedSummary {
  int64_t rows = 0, embedded = 0, failed = 0;
  double seconds = 0;
};

// Embeddings come from the readout of the predictor's first model (Predictor::embed).
// Throws molprop::Error naming the file for unreadable input or an unwritable output.
EmbedSummary embed_csv(Predictor& predictor, const EmbedCsvOptions& options);

inline constexpr const char* kEmbeddingsFormat = "molprop-embeddings";
inline constexpr int kEmbeddingsFormatVersion = 1;

}  // namespace molprop::inference
