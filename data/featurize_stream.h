#pragma once
// The one streaming featuriser behind `featurize`, `predict`, `embed` and `analyze`:
// SMILES rows of a CSV or .smi file (optionally one byte-range shard of it) → chem::
// featurisation on a thread pool → ordered chunks handed to the caller.
//
// The calling thread reads rows and consumes chunks strictly in input order; `threads`
// workers featurise (core::ordered_map), so featurising chunk k+1 overlaps the caller's
// work on chunk k. Memory is bounded by the chunks in flight, not by the input size. A
// row whose SMILES cannot be used is still handed over, with the reason in mol.error:
// also a CSV row with more fields than the header has columns ("<file>: row R (line L)
// has N fields, but the header has M columns"). A failed row's `smiles` that is not
// UTF-8 is replaced by its \xNN-escaped form (core::escaped), so that what reaches an HDF5
// UTF-8 string dataset is valid UTF-8. `path` "-" reads standard input (not shardable).
#include <any>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "chem/featurizer.h"
#include "data/csv_reader.h"
#include "data/shard_range.h"

namespace molprop::core {
class Progress;
}

namespace molprop::data {

struct FeaturizeStreamOptions {
  std::string smiles_column = "smiles";  // ignored for .smi files (first field)
  chem::FeaturizeOptions featurize;      // what each molecule gets besides its graph
  int threads = 1;                       // featurisation workers; ≤ 1: everything on the caller
  int64_t chunk_rows = 256;              // rows per chunk handed to the consumer (< 1 reads nothing)
  // Chunks read, being featurised or waiting for the consumer; 0: 2 × threads + 2.
  size_t max_chunks_in_flight = 0;
  // Shard k of n (data/shard_range.h): only the records that start in the k-th of n equal
  // byte ranges of the (uncompressed) input's data. Row numbers count from the shard's start.
  int shard_index = 0, num_shards = 1;
  // Label of the progress line on stderr (done = bytes of the input or shard read, rate
  // in molecules); "" for none, e.g. when the caller draws its own.
  std::string progress_label;
  bool quiet = false;  // no progress line
};

// One input row, as read and featurised.
struct FeaturizedRow {
  int64_t row = 0;                  // 1-based data row (from the shard's start in a sharded read)
  int64_t line = 0;                 // 1-based physical line where the record starts (for messages)
  std::vector<std::string> fields;  // the record's fields as read (a .smi line: SMILES, then name words)
  std::string smiles;               // the SMILES field; "" when the row is too short to have one
                                    // (escaped when the row failed and the field is not UTF-8)
  chem::FeaturizedMol mol;          // the featurised molecule, or mol.error: why the row failed
  // Numbers the caller's worker steps computed for the row (RowSteps), e.g. parsed
  // targets or a similarity; empty otherwise.
  std::vector<double> values;
};

struct FeaturizedChunk {
  std::vector<FeaturizedRow> rows;  // in input order, chunk_rows of them except at the end
  int64_t bytes_done = 0;           // bytes of the input (or shard) read when the chunk was cut
  std::any result;                  // what RowSteps::chunk computed for the chunk, if anything
};

// Optional per-row work that runs on the worker threads with the featurisation.
struct RowSteps {
  // Before featurising: a non-empty result fails the row with that reason, and its SMILES
  // is not featurised (e.g. a row with too few fields, a target that is not a number).
  std::function<std::string(FeaturizedRow&)> check;
  // After a successful featurisation (e.g. a nearest-neighbour search).
  std::function<void(FeaturizedRow&)> annotate;
  // After all rows of a chunk, on the same worker thread: whole-chunk work such as running
  // a model on the chunk as one batch, its result left in FeaturizedChunk::result. With
  // several workers, chunks run concurrently: the step must be thread-safe.
  std::function<void(FeaturizedChunk&)> chunk;
};

class FeaturizeStream {
 public:
  // Opens `path` (.csv, .csv.gz, .smi, .smi.gz), finds the SMILES column and, for a
  // sharded read, seeks to the shard. Throws molprop::Error naming the file for an
  // unreadable input or a missing column, and for an impossible shard or a gzip input
  // that is to be sharded.
  FeaturizeStream(const std::string& path, FeaturizeStreamOptions options);
  ~FeaturizeStream();
  FeaturizeStream(const FeaturizeStream&) = delete;
  FeaturizeStream& operator=(const FeaturizeStream&) = delete;

  // Reads up to `max_rows` further rows (all that are left by default), featurises them
  // (with `steps` around each featurisation) and calls `consume` with each chunk, in
  // input order, on the calling thread; the last chunk of a call may be short. Returns
  // the rows read. An exception from reading, from a step or from `consume` is rethrown
  // here. May be called again to read on.
  int64_t run(const std::function<void(FeaturizedChunk&)>& consume, const RowSteps& steps = {},
              int64_t max_rows = std::numeric_limits<int64_t>::max());
  // True once the input (or shard) has no more rows.
  bool at_end() const { return at_end_; }
  // Ends the progress line (if any).
  void finish();
  // Seconds since the first run() (0 before it).
  double seconds() const;

  // Column names (empty for a .smi file).
  const std::vector<std::string>& header() const { return reader_.header(); }
  bool is_smiles_file() const { return reader_.header().empty(); }
  int smiles_column() const { return smiles_col_; }
  // Index of a named column; throws molprop::Error listing the columns that exist.
  int column_index(const std::string& name) const { return reader_.column_index(name); }
  // The shard's byte range (the whole data after the header when not sharded).
  const ByteRange& range() const { return range_; }
  bool sharded() const { return options_.num_shards > 1; }
  int64_t file_size() const { return reader_.file_size(); }
  const std::string& path() const { return reader_.path(); }

 private:
  bool read_chunk(FeaturizedChunk& chunk, int64_t& budget);
  void featurize(FeaturizedRow& row, const RowSteps& steps) const;
  void featurize_checked(FeaturizedRow& row, const RowSteps& steps) const;
  int64_t bytes_done() const;

  FeaturizeStreamOptions options_;
  CsvReader reader_;
  int smiles_col_ = 0;
  ByteRange range_;
  CsvRecord record_;
  bool at_end_ = false;
  int64_t rows_consumed_ = 0;
  std::unique_ptr<core::Progress> progress_;  // from the first run()
};

}  // namespace molprop::data
