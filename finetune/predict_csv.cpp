#include "finetune/predict_csv.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include "chem/check.h"
#include "data/collate.h"
#include "data/csv_reader.h"
#include "data/ordered_pipeline.h"
#include "data/progress.h"
#include "finetune/predictor.h"

namespace molprop::finetune {
namespace {

struct Row {
  int64_t row = 0;
  std::vector<std::string> fields;
  std::string smiles;
  chem::FeaturizedMol mol;
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

std::string format_value(float v) {
  if (std::isnan(v)) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

PredictSummary predict_csv(Predictor& predictor, const PredictCsvOptions& options) {
  data::CsvReader reader(options.input, data::smiles_source_options(options.input));
  const bool smi = reader.header().empty();
  const int smiles_col = data::smiles_column(reader, options.smiles_column);
  std::vector<std::string> header = smi ? std::vector<std::string>{"smiles", "name"} : reader.header();
  const size_t input_cols = header.size();
  const auto& targets = predictor.target_names();
  const bool ensemble = predictor.has_uncertainty();
  for (const auto& t : targets) header.push_back(t);
  if (ensemble) {
    for (const auto& t : targets) header.push_back(t + "_std");
  }
  header.push_back("error");

  const std::string tmp = options.output + ".tmp." + std::to_string(::getpid());
  std::ofstream out(tmp, std::ios::binary);
  if (!out) throw Error(options.output + ": cannot create output file (" + std::strerror(errno) + ")");
  struct Cleanup {
    const std::string& path;
    bool done = false;
    ~Cleanup() { if (!done) std::remove(path.c_str()); }
  } cleanup{tmp};
  {
    std::string line;
    for (size_t c = 0; c < header.size(); ++c) {
      if (c) line += ',';
      write_field(line, header[c]);
    }
    out << line << '\n';
  }

  const chem::FeaturizeOptions featurize = predictor.featurize_options();
  data::Progress progress("predict", reader.file_size(), "mol", options.quiet);
  PredictSummary summary;
  data::CsvRecord record;
  data::Batch batch;
  std::vector<float> mean, std;
  std::string line;

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
    chunk.bytes_read = reader.bytes_read();
    return !chunk.rows.empty();
  };
  std::function<Chunk(Chunk&)> work = [&](Chunk& chunk) {
    for (Row& r : chunk.rows) r.mol = chem::featurize_smiles(r.smiles, featurize);
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
      line.clear();
      for (size_t c = 0; c < input_cols; ++c) {
        if (c) line += ',';
        write_field(line, r.fields[c]);
      }
      for (size_t j = 0; j < t; ++j) line += "," + (r.mol.ok() ? format_value(mean[k * t + j]) : "");
      if (ensemble) {
        for (size_t j = 0; j < t; ++j) line += "," + (r.mol.ok() ? format_value(std[k * t + j]) : "");
      }
      line += ',';
      if (r.mol.ok()) {
        ++k;
        ++summary.predicted;
      } else {
        write_field(line, r.mol.error);
        ++summary.failed;
      }
      ++summary.rows;
      out << line << '\n';
    }
    progress.update(chunk.bytes_read, summary.rows);
  };
  data::ordered_map<Chunk, Chunk>(options.threads, static_cast<size_t>(2 * options.threads + 2), produce, work,
                                  consume);
  progress.finish();
  out.close();
  if (!out) throw Error(options.output + ": write failed (disk full?)");
  if (std::rename(tmp.c_str(), options.output.c_str()) != 0) {
    throw Error(options.output + ": cannot move the finished file into place (" + std::strerror(errno) + ")");
  }
  cleanup.done = true;
  summary.seconds = progress.elapsed_seconds();
  return summary;
}

}  // namespace molprop::finetune
