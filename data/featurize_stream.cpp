#include "data/featurize_stream.h"

#include <algorithm>

#include "core/check.h"
#include "core/ordered_pipeline.h"
#include "core/progress.h"
#include "core/text.h"

namespace molprop::data {
namespace {

// A failed row's SMILES that is not UTF-8 is kept escaped up to this many characters.
constexpr size_t kMaxEscapedSmiles = 8000;

}  // namespace

FeaturizeStream::FeaturizeStream(const std::string& path, FeaturizeStreamOptions options)
    : options_(std::move(options)), reader_(path, smiles_source_options(path)) {
  if (path == kStdinPath && sharded()) {
    throw Error("stdin cannot be sharded (a shard seeks to its byte range); give a file");
  }
  smiles_col_ = data::smiles_column(reader_, options_.smiles_column);
  range_ = ByteRange{reader_.offset()};
  if (sharded()) range_ = seek_shard(reader_, options_.shard_index, options_.num_shards);
}

FeaturizeStream::~FeaturizeStream() = default;

int64_t FeaturizeStream::bytes_done() const {
  return sharded() ? std::min(range_.end, reader_.offset()) - range_.begin : reader_.bytes_read();
}

// Cuts the next chunk: up to chunk_rows rows, and no more than `budget` (decremented).
bool FeaturizeStream::read_chunk(FeaturizedChunk& chunk, int64_t& budget) {
  chunk.rows.clear();
  while (static_cast<int64_t>(chunk.rows.size()) < options_.chunk_rows && budget > 0 && !at_end_) {
    if (!reader_.next(record_)) {
      at_end_ = true;
      break;
    }
    FeaturizedRow row;
    row.row = record_.row;
    row.line = record_.line;
    row.fields = record_.fields;
    row.smiles = field_or_empty(record_, smiles_col_);
    chunk.rows.push_back(std::move(row));
    --budget;
  }
  chunk.bytes_done = bytes_done();
  return !chunk.rows.empty();
}

// Runs on a worker thread.
void FeaturizeStream::featurize(FeaturizedRow& row, const RowSteps& steps) const {
  featurize_checked(row, steps);
  // The SMILES of a failed row is stored as an HDF5 UTF-8 string (featurize's failure
  // records, embed's rows): bytes that are not UTF-8 are written as \xNN escapes there.
  if (!row.mol.ok() && core::invalid_utf8_at(row.smiles)) row.smiles = core::escaped(row.smiles, kMaxEscapedSmiles);
}

void FeaturizeStream::featurize_checked(FeaturizedRow& row, const RowSteps& steps) const {
  // More fields than the header has columns: the row is misquoted or has a stray
  // delimiter, and its columns cannot be trusted to be the ones they look like.
  const std::vector<std::string>& header = reader_.header();
  if (!header.empty() && row.fields.size() > header.size()) {
    row.mol.error = reader_.path() + ": row " + std::to_string(row.row) + " (line " + std::to_string(row.line) +
                    ") has " + std::to_string(row.fields.size()) + " fields, but the header has " +
                    std::to_string(header.size()) + " columns";
    return;
  }
  if (steps.check) {
    std::string reason = steps.check(row);
    if (!reason.empty()) {
      row.mol.error = std::move(reason);
      return;
    }
  }
  row.mol = chem::featurize_smiles(row.smiles, options_.featurize);
  if (steps.annotate && row.mol.ok()) steps.annotate(row);
}

int64_t FeaturizeStream::run(const std::function<void(FeaturizedChunk&)>& consume, const RowSteps& steps,
                             int64_t max_rows) {
  if (!progress_) {
    const int64_t total = sharded() ? range_.end - range_.begin : reader_.file_size();
    progress_ = std::make_unique<core::Progress>(options_.progress_label, total, "mol",
                                                 options_.quiet || options_.progress_label.empty());
  }
  int64_t budget = max_rows;
  std::function<bool(FeaturizedChunk&)> produce = [&](FeaturizedChunk& chunk) { return read_chunk(chunk, budget); };
  std::function<FeaturizedChunk(FeaturizedChunk&)> work = [this, &steps](FeaturizedChunk& chunk) {
    for (FeaturizedRow& row : chunk.rows) featurize(row, steps);
    if (steps.chunk) steps.chunk(chunk);
    return std::move(chunk);
  };
  std::function<void(FeaturizedChunk&)> deliver = [&](FeaturizedChunk& chunk) {
    consume(chunk);
    rows_consumed_ += static_cast<int64_t>(chunk.rows.size());
    progress_->update(chunk.bytes_done, rows_consumed_);
  };
  const size_t in_flight =
      options_.max_chunks_in_flight > 0 ? options_.max_chunks_in_flight : static_cast<size_t>(2 * options_.threads + 2);
  core::ordered_map<FeaturizedChunk, FeaturizedChunk>(options_.threads, in_flight, produce, work, deliver);
  return max_rows - budget;
}

void FeaturizeStream::finish() {
  if (progress_) progress_->finish();
}

double FeaturizeStream::seconds() const { return progress_ ? progress_->elapsed_seconds() : 0.0; }

}  // namespace molprop::data
