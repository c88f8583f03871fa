#include "inference/embed_csv.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/output_paths.h"
#include "data/collate.h"
#include "data/featurize_stream.h"
#include "data/h5_util.h"
#include "inference/predictor.h"
#include "inference/shards.h"

namespace molprop::inference {
namespace h5 = data::h5;

namespace {

constexpr hsize_t kRowChunk = 16384;        // rows per chunk of the 1-D numeric datasets
constexpr hsize_t kStringChunk = 4096;      // rows per chunk of the string datasets
constexpr hsize_t kEmbeddingChunk = 65536;  // values (256 KiB of float32) per embeddings chunk
constexpr int kCompression = 4;             // deflate level, as the dataset writer uses

// A growing 1-D int8 dataset (h5::Appender has no int8 instantiation).
class Int8Appender {
 public:
  Int8Appender(H5::Group& parent, const std::string& name, hsize_t chunk_rows) {
    hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {chunk_rows};
    H5::DSetCreatPropList props;
    props.setChunk(1, chunk);
    props.setDeflate(kCompression);
    dataset_ = parent.createDataSet(name, H5::PredType::STD_I8LE, H5::DataSpace(1, dims, maxdims), props);
  }
  void append(int8_t value) { buffer_.push_back(value); }
  void flush() {
    if (buffer_.empty()) return;
    hsize_t new_dims[1] = {written_ + buffer_.size()};
    dataset_.extend(new_dims);
    H5::DataSpace file_space = dataset_.getSpace();
    hsize_t start[1] = {written_}, count[1] = {buffer_.size()};
    file_space.selectHyperslab(H5S_SELECT_SET, count, start);
    dataset_.write(buffer_.data(), H5::PredType::NATIVE_INT8, H5::DataSpace(1, count), file_space);
    written_ += buffer_.size();
    buffer_.clear();
  }
  void close() { dataset_.close(); }
  void abandon() noexcept { h5::abandon(dataset_); }

 private:
  H5::DataSet dataset_;
  hsize_t written_ = 0;
  std::vector<int8_t> buffer_;
};

// Streams the embeddings file (docs/embeddings-format.md) to `<path>.tmp.<pid>` and
// commits it into place in finish() (core::AtomicFile). HDF5's C++ handles are not safely
// copy-assignable, so each lives in a std::optional and is constructed in place; every
// handle is released before the file is closed, because HDF5 keeps a file open while
// any dataset in it is open.
class EmbeddingsWriter {
 public:
  EmbeddingsWriter(const std::string& path, int64_t dim, const std::string& model, const std::string& source)
      : path_(path), out_(path) {
    h5::silence_errors();
    try {
      file_.emplace(out_.temp_path(), H5F_ACC_TRUNC);
    } catch (const H5::Exception&) {
      throw Error(path + ": cannot create output file (does the folder exist and is it writable?)");
    }
    guard([&] {
      root_.emplace(file_->openGroup("/"));
      const auto d = static_cast<hsize_t>(dim);
      embeddings_.emplace(*root_, "embeddings", d, std::max<hsize_t>(1, kEmbeddingChunk / d), kCompression);
      smiles_.emplace(*root_, "smiles", kStringChunk, kCompression);
      row_.emplace(*root_, "row", 0, kRowChunk, kCompression);
      status_.emplace(*root_, "status", kRowChunk);
      error_.emplace(*root_, "error", kStringChunk, kCompression);
      h5::write_attr(*root_, "format", std::string(kEmbeddingsFormat));
      h5::write_attr(*root_, "format_version", static_cast<int64_t>(kEmbeddingsFormatVersion));
      h5::write_attr(*root_, "model", model);
      h5::write_attr(*root_, "embedding_dim", dim);
      h5::write_attr(*root_, "source_file", source);
      h5::write_attr(*root_, "created_by", std::string("molprop"));
    });
    nan_row_.assign(static_cast<size_t>(dim), std::numeric_limits<float>::quiet_NaN());
  }

  // A writer whose file failed has released its handles already and does not touch the
  // file again; ~AtomicFile removes the temporary file.
  ~EmbeddingsWriter() {
    if (finished_ || broken_) return;
    try {
      close_all();
    } catch (...) {
      abandon();
    }
  }

  // `embedding`: dim values, or null for a failed row (written as NaN).
  void add(int64_t row, const std::string& smiles, const float* embedding, const std::string& error) {
    embeddings_->append(embedding ? embedding : nan_row_.data(), 1);
    smiles_->append(smiles);
    row_->append(&row, 1);
    status_->append(embedding ? 0 : 1);
    error_->append(error);
    ++rows_;
    failed_ += embedding ? 0 : 1;
  }

  void flush() {
    guard([&] {
      embeddings_->flush();
      smiles_->flush();
      row_->flush();
      status_->flush();
      error_->flush();
    });
  }

  // `shard`: the manifest of a sharded run (written as attributes), or null.
  void finish(const ShardManifest* shard = nullptr) {
    flush();
    guard([&] {
      h5::write_attr(*root_, "num_rows", rows_);
      h5::write_attr(*root_, "num_failed", failed_);
      if (shard) {
        h5::write_attr(*root_, "shard", static_cast<int64_t>(shard->shard));
        h5::write_attr(*root_, "num_shards", static_cast<int64_t>(shard->num_shards));
        h5::write_attr(*root_, "source_size", shard->input_size);
        h5::write_attr(*root_, "byte_begin", shard->byte_begin);
        h5::write_attr(*root_, "byte_end", shard->byte_end);
      }
      close_all();
    });
    out_.commit();
    finished_ = true;
  }

 private:
  // HDF5 failures while writing (disk full, quota) become one user-facing error.
  // The writer is then broken: every handle is released once and the file abandoned.
  template <typename F>
  void guard(F&& f) {
    MOLPROP_CHECK(!broken_, path_ << ": embeddings writer used after a failed write");
    try {
      f();
    } catch (const H5::Exception& e) {
      broken_ = true;
      abandon();
      throw Error(path_ + ": HDF5 write failed (disk full?): " + e.getFuncName() + ": " + e.getDetailMsg());
    }
  }

  // Lets go of every handle without closing it (h5::abandon): a file that failed is
  // never touched again (closing would flush, fail again and print from every destructor).
  void abandon() noexcept {
    for_each_handle([](auto& handle) { h5::abandon_and_reset(handle); });
  }

  // Everything reaches the disk in the flush, while every handle is open (a full disk
  // fails it, and guard() abandons the handles); then each handle is closed, datasets first.
  void close_all() {
    if (file_) file_->flush(H5F_SCOPE_GLOBAL);
    for_each_handle([](auto& handle) {
      if (!handle) return;
      handle->close();
      handle.reset();
    });
  }

  template <typename F>
  void for_each_handle(F&& f) {
    f(embeddings_);
    f(smiles_);
    f(row_);
    f(status_);
    f(error_);
    f(root_);
    f(file_);
  }

  std::string path_;
  core::AtomicFile out_;  // declared before the HDF5 handles: destroyed after they close
  std::vector<float> nan_row_;
  int64_t rows_ = 0, failed_ = 0;
  bool finished_ = false;
  bool broken_ = false;  // an HDF5 call failed: the file is abandoned
  std::optional<H5::H5File> file_;
  std::optional<H5::Group> root_;
  std::optional<h5::Appender<float>> embeddings_;
  std::optional<h5::StringAppender> smiles_, error_;
  std::optional<h5::Appender<int64_t>> row_;
  std::optional<Int8Appender> status_;
};

}  // namespace

namespace {

// The embedding is the readout, which comes before the descriptors are joined, so it
// does not depend on them: skip computing ~200 RDKit descriptors per molecule and give
// Predictor::embed NaN placeholders (scaled to 0) of the width its check expects.
// tests/inference/embed_csv_test.cpp checks this against Predictor::embed with real descriptors.
data::FeaturizeStreamOptions stream_options(const Predictor& predictor, const EmbedCsvOptions& options) {
  data::FeaturizeStreamOptions o;
  o.smiles_column = options.smiles_column;
  o.featurize = predictor.featurize_options();
  o.featurize.fingerprint = false;  // only predict reports the applicability domain
  o.featurize.descriptors = false;
  o.featurize.tautomer_forms = 0;  // the embedding is of the molecule as written: no enumeration
  o.threads = options.threads;
  o.chunk_rows = options.batch_size;
  o.shard_index = options.shard_index;
  o.num_shards = options.num_shards;
  o.progress_label = "embed";
  o.quiet = options.quiet;
  return o;
}

// On the featurising worker (one intra-op thread each, as in predict_csv): embeds the
// chunk's molecules in one batch into chunk.result.
void embed_chunk(Predictor& predictor, int64_t dim, data::FeaturizedChunk& chunk,
                 const std::vector<float>& placeholder) {
  use_one_intra_op_thread();
  data::Batch batch;
  batch.num_descriptors = predictor.num_descriptors();
  for (const data::FeaturizedRow& r : chunk.rows) {
    if (r.mol.ok()) append_graph(r.mol.graph, placeholder.data(), batch);
  }
  std::vector<float> embedded = batch.num_molecules > 0 ? predictor.embed(batch) : std::vector<float>{};
  MOLPROP_CHECK(
      static_cast<int64_t>(embedded.size()) == batch.num_molecules * dim,
      "embed returned " << embedded.size() << " values for " << batch.num_molecules << " molecules of width " << dim);
  chunk.result = std::move(embedded);
}

// On the reading thread: writes every row of an embedded chunk, in order; a failed row
// gets a NaN embedding and its reason. Row numbers count from the shard's start in a
// sharded run; merge renumbers.
void write_chunk(int64_t dim, const data::FeaturizedChunk& chunk, EmbeddingsWriter& writer, EmbedSummary& summary) {
  const auto& embedded = std::any_cast<const std::vector<float>&>(chunk.result);
  size_t k = 0;  // index among embedded molecules
  for (const data::FeaturizedRow& r : chunk.rows) {
    if (r.mol.ok()) {
      writer.add(r.row, r.smiles, embedded.data() + k * static_cast<size_t>(dim), "");
      ++k;
      ++summary.embedded;
    } else {
      writer.add(r.row, r.smiles, nullptr, r.mol.error);
      ++summary.failed;
    }
    ++summary.rows;
  }
  writer.flush();
}

}  // namespace

EmbedSummary embed_csv(Predictor& predictor, const EmbedCsvOptions& options) {
  options.validate();
  std::vector<std::string> inputs{options.input};
  for (const auto& m : predictor.model_paths()) inputs.push_back(m);
  core::check_output_is_not_input(options.output, inputs);
  data::FeaturizeStream stream(options.input, stream_options(predictor, options));
  const int64_t dim = predictor.embedding_dim();
  const std::vector<float> placeholder_descriptors(static_cast<size_t>(predictor.num_descriptors()),
                                                   std::numeric_limits<float>::quiet_NaN());
  const std::string model = nlohmann::json(std::vector<std::string>{predictor.model_paths().front()}).dump();
  EmbeddingsWriter writer(options.output, dim, model, options.input);

  EmbedSummary summary;
  data::RowSteps steps;
  steps.chunk = [&](data::FeaturizedChunk& chunk) { embed_chunk(predictor, dim, chunk, placeholder_descriptors); };
  stream.run([&](data::FeaturizedChunk& chunk) { write_chunk(dim, chunk, writer, summary); }, steps);
  stream.finish();
  const bool sharded = stream.sharded();
  const data::ByteRange range = stream.range();
  if (sharded) {
    const ShardManifest m{"embeddings",  options.shard_index, options.num_shards,
                          options.input, stream.file_size(),  range.begin,
                          range.end,     summary.rows,        {}};
    writer.finish(&m);
  } else {
    writer.finish();
  }
  summary.seconds = stream.seconds();
  return summary;
}

MergeSummary merge_embedding_shards(const std::vector<std::string>& files, const std::string& output) {
  h5::silence_errors();
  core::check_output_is_not_input(output, files);
  std::vector<ShardManifest> manifests;
  std::vector<int64_t> dims;
  std::vector<std::string> models;
  for (const auto& f : files) {
    try {
      H5::H5File file(f, H5F_ACC_RDONLY);
      H5::Group root = file.openGroup("/");
      if (!h5::has_attr(root, "format") || h5::read_string_attr(root, "format") != kEmbeddingsFormat) {
        throw Error(f + ": not a molprop embeddings file");
      }
      if (!h5::has_attr(root, "shard"))
        throw Error(f + ": not a shard (written without EmbedCsvOptions::num_shards > 1)");
      ShardManifest m;
      m.kind = "embeddings";
      m.shard = static_cast<int>(h5::read_int_attr(root, "shard"));
      m.num_shards = static_cast<int>(h5::read_int_attr(root, "num_shards"));
      m.input = h5::read_string_attr(root, "source_file");
      m.input_size = h5::read_int_attr(root, "source_size");
      m.byte_begin = h5::read_int_attr(root, "byte_begin");
      m.byte_end = h5::read_int_attr(root, "byte_end");
      m.rows = h5::read_int_attr(root, "num_rows");
      models.push_back(h5::read_string_attr(root, "model"));
      dims.push_back(h5::read_int_attr(root, "embedding_dim"));
      m.header = {models.back(), std::to_string(dims.back())};
      manifests.push_back(m);
    } catch (const H5::Exception& e) {
      throw Error(f + ": cannot read embeddings shard (" + e.getDetailMsg() + ")");
    }
  }
  const std::vector<size_t> order = check_shard_set(files, manifests);
  const int64_t dim = dims.front();
  EmbeddingsWriter writer(output, dim, models.front(), manifests.front().input);
  MergeSummary summary;
  constexpr hsize_t kBlock = 4096;
  std::vector<float> values;
  std::vector<std::string> smiles, errors;
  std::vector<int64_t> rows;
  for (size_t i : order) {
    const std::string& f = files[i];
    try {
      H5::H5File file(f, H5F_ACC_RDONLY);
      H5::DataSet emb = file.openDataSet("embeddings"), smi = file.openDataSet("smiles"), row = file.openDataSet("row"),
                  err = file.openDataSet("error");
      const auto n = static_cast<hsize_t>(manifests[i].rows);
      for (const H5::DataSet* ds : {&emb, &smi, &row, &err}) {
        if (h5::shape(*ds).first != n) {
          throw Error(f + ": holds " + std::to_string(h5::shape(*ds).first) + " rows, its attributes promise " +
                      std::to_string(n) + " (truncated?)");
        }
      }
      for (hsize_t first = 0; first < n; first += kBlock) {
        const hsize_t count = std::min(kBlock, n - first);
        h5::read_rows(emb, first, count, values);
        h5::read_strings(smi, first, count, smiles);
        h5::read_rows(row, first, count, rows);
        h5::read_strings(err, first, count, errors);
        for (hsize_t k = 0; k < count; ++k) {
          writer.add(summary.rows + rows[k], smiles[k], errors[k].empty() ? values.data() + k * dim : nullptr,
                     errors[k]);
        }
        writer.flush();
      }
      summary.rows += static_cast<int64_t>(n);
      ++summary.shards;
    } catch (const H5::Exception& e) {
      throw Error(f + ": cannot read embeddings shard (" + e.getDetailMsg() + ")");
    }
  }
  writer.finish();
  return summary;
}

}  // namespace molprop::inference
