#include "inference/predict_csv.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/ordered_pipeline.h"
#include "core/progress.h"
#include "data/collate.h"
#include "data/csv_reader.h"
#include "data/shard_range.h"
#include "inference/predictor.h"
#include "inference/shards.h"

namespace molprop::inference {
namespace {

struct Row {
  int64_t row = 0;
  std::vector<std::string> fields;
  std::string smiles;
  chem::FeaturizedMol mol;
  double similarity = 0;  // to the training set, when the model has a domain
};

struct Chunk {
  std::vector<Row> rows;
  int64_t bytes_read = 0;
};

// RFC 4180 quoting, only when needed.
void write_field(std::string& line, const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) {
    line += field;
    return;
  }
  line += '"';
  for (char c : field) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

// Writes rows as CSV, or as aligned columns whose widths come from the header and the
// first rows (later, longer cells are cut with "…": a table is for reading, CSV for data).
class RowWriter {
 public:
  RowWriter(std::ostream& out, bool table) : out_(out), table_(table) {}

  void write(const std::vector<std::string>& cells) {
    if (!table_) {
      line_.clear();
      for (size_t c = 0; c < cells.size(); ++c) {
        if (c) line_ += ',';
        write_field(line_, cells[c]);
      }
      out_ << line_ << '\n';
      return;
    }
    pending_.push_back(cells);
    if (pending_.size() >= kSampleRows) flush();
  }

  void flush() {
    if (!table_ || pending_.empty()) return;
    if (widths_.empty()) {
      for (const auto& cells : pending_) {
        widths_.resize(std::max(widths_.size(), cells.size()), 0);
        for (size_t c = 0; c < cells.size(); ++c) widths_[c] = std::max(widths_[c], display_width(cells[c]));
      }
      for (size_t& w : widths_) w = std::min(w, kMaxWidth);
    }
    for (const auto& cells : pending_) {
      line_.clear();
      for (size_t c = 0; c < cells.size(); ++c) {
        const size_t w = c < widths_.size() ? widths_[c] : kMaxWidth;
        std::string cell = cells[c];
        for (char& ch : cell) {
          if (ch == '\n' || ch == '\r') ch = ' ';
        }
        if (display_width(cell) > w) cell = cut(cell, w - 1) + "…";
        line_ += cell;
        if (c + 1 < cells.size()) line_.append(w - display_width(cell) + 2, ' ');
      }
      out_ << line_ << '\n';
    }
    pending_.clear();
  }

 private:
  static constexpr size_t kSampleRows = 64;
  static constexpr size_t kMaxWidth = 48;

  // Characters, not bytes: UTF-8 continuation bytes take no column.
  static size_t display_width(const std::string& s) {
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  }
  static std::string cut(const std::string& s, size_t chars) {
    size_t n = 0, i = 0;
    for (; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n++ == chars) break;
    }
    return s.substr(0, i);
  }

  std::ostream& out_;
  bool table_;
  std::string line_;
  std::vector<std::vector<std::string>> pending_;
  std::vector<size_t> widths_;
};

std::string with_unit(const std::string& name, const std::string& unit) {
  return unit.empty() ? name : name + " (" + unit + ")";
}

// CSV keeps 6 significant digits; a table for reading, 3 decimals.
std::string format_value(float v, bool table = false) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, table ? "%.3f" : "%.6g", v);
  return buf;
}

}  // namespace

PredictSummary predict_csv(Predictor& predictor, const PredictCsvOptions& options) {
  if (options.format != "csv" && options.format != "table") {
    throw Error("--format must be csv or table, got '" + options.format + "'");
  }
  data::CsvReader reader(options.input, data::smiles_source_options(options.input));
  const bool smi = reader.header().empty();
  const int smiles_col = data::smiles_column(reader, options.smiles_column);
  std::vector<std::string> header = smi ? std::vector<std::string>{"smiles", "name"} : reader.header();
  const size_t input_cols = header.size();
  const auto& targets = predictor.target_names();
  const auto units = predictor.target_units();
  const bool spread = predictor.has_uncertainty();
  const checkpoint::ApplicabilityDomain* domain = predictor.domain();
  for (size_t j = 0; j < targets.size(); ++j) header.push_back(with_unit(targets[j], units[j]));
  if (spread) {
    for (size_t j = 0; j < targets.size(); ++j) header.push_back(with_unit(targets[j] + "_std", units[j]));
  }
  if (domain) {
    header.push_back("train_similarity");
    header.push_back("in_domain");
  }
  header.push_back("error");

  const bool to_stdout = options.output.empty() || options.output == "-";
  const bool sharded = options.num_shards > 1;
  data::ByteRange range{reader.offset()};
  if (sharded) {
    if (to_stdout) throw Error("sharded prediction needs --output (each shard writes its own file)");
    range = data::seek_shard(reader, options.shard_index, options.num_shards);
  }
  // A file output goes to a temporary file, committed below; stdout is written directly.
  std::optional<core::AtomicOutputFile> file;
  if (!to_stdout) file.emplace(options.output);
  std::ostream& out = to_stdout ? std::cout : file->stream();
  const bool table = options.format == "table";
  RowWriter writer(out, table);
  writer.write(header);

  const chem::FeaturizeOptions featurize = predictor.featurize_options();
  core::Progress progress("predict", sharded ? range.end - range.begin : reader.file_size(), "mol", options.quiet);
  PredictSummary summary;
  data::CsvRecord record;
  data::Batch batch;
  std::vector<float> mean, std;
  std::vector<std::string> cells;

  std::function<bool(Chunk&)> produce = [&](Chunk& chunk) {
    chunk.rows.clear();
    while (static_cast<int64_t>(chunk.rows.size()) < options.batch_size && reader.next(record)) {
      Row r;
      r.row = record.row;
      if (smi) {
        // SMILES, then the rest of the line as its name.
        r.fields = {record.fields.empty() ? "" : record.fields[0], ""};
        for (size_t k = 1; k < record.fields.size(); ++k) r.fields[1] += (k > 1 ? " " : "") + record.fields[k];
      } else {
        r.fields = record.fields;
      }
      r.fields.resize(input_cols);  // a short row keeps its columns' places
      r.smiles = data::field_or_empty(record, smiles_col);
      chunk.rows.push_back(std::move(r));
    }
    chunk.bytes_read = sharded ? std::min(range.end, reader.offset()) - range.begin : reader.bytes_read();
    return !chunk.rows.empty();
  };
  std::function<Chunk(Chunk&)> work = [&](Chunk& chunk) {
    for (Row& r : chunk.rows) {
      r.mol = chem::featurize_smiles(r.smiles, featurize);
      // The nearest-neighbour search runs here, on the worker threads, not on the model's.
      if (domain && r.mol.ok()) r.similarity = domain->max_similarity(r.mol.fingerprint);
    }
    return std::move(chunk);
  };
  std::function<void(Chunk&)> consume = [&](Chunk& chunk) {
    batch.clear();
    batch.num_descriptors = predictor.num_descriptors();
    for (const Row& r : chunk.rows) {
      if (r.mol.ok()) append_graph(r.mol.graph, r.mol.descriptors.data(), batch);
    }
    predictor.predict(batch, mean, std);
    const size_t t = targets.size();
    size_t k = 0;  // index among predicted molecules
    for (const Row& r : chunk.rows) {
      const bool ok = r.mol.ok();
      cells.assign(r.fields.begin(), r.fields.end());
      for (size_t j = 0; j < t; ++j) cells.push_back(ok ? format_value(mean[k * t + j], table) : "");
      if (spread) {
        for (size_t j = 0; j < t; ++j) cells.push_back(ok ? format_value(std[k * t + j], table) : "");
      }
      if (domain) {
        char sim[16];
        std::snprintf(sim, sizeof sim, "%.3f", r.similarity);
        cells.push_back(ok ? sim : "");
        cells.push_back(ok ? (domain->in_domain(r.similarity) ? "yes" : "no") : "");
      }
      cells.push_back(r.mol.error);
      if (ok) {
        ++k;
        ++summary.predicted;
      } else {
        ++summary.failed;
      }
      ++summary.rows;
      writer.write(cells);
    }
    progress.update(chunk.bytes_read, summary.rows);
  };
  core::ordered_map<Chunk, Chunk>(options.threads, static_cast<size_t>(2 * options.threads + 2), produce, work,
                                  consume);
  writer.flush();
  progress.finish();
  summary.seconds = progress.elapsed_seconds();
  if (to_stdout) {
    std::cout.flush();
    if (!std::cout) throw Error("writing predictions to stdout failed");
    return summary;
  }
  file->commit();
  if (sharded) {
    write_shard_manifest(options.output,
                         ShardManifest{"predictions", options.shard_index, options.num_shards, options.input,
                                       reader.file_size(), range.begin, range.end, summary.rows, header});
  }
  return summary;
}

}  // namespace molprop::inference
