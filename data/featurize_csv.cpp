#include "data/featurize_csv.h"

#include <cmath>

#include "chem/descriptors.h"
#include "core/check.h"
#include "core/ordered_pipeline.h"
#include "core/progress.h"
#include "core/sha256.h"
#include "data/csv_reader.h"
#include "data/dataset_writer.h"

namespace molprop::data {
namespace {

struct RowIn {
  int64_t row = 0;
  std::string smiles;
  std::vector<std::string> target_cells;
  std::string error;  // a structural problem found while reading (too few fields)
};

struct RowOut {
  int64_t row = 0;
  std::string smiles;
  chem::FeaturizedMol mol;
  std::vector<float> targets;
};

struct Chunk {
  std::vector<RowIn> rows;
  int64_t bytes_read = 0;
};

struct ChunkOut {
  std::vector<RowOut> rows;
  int64_t bytes_read = 0;
};

// "Explicit valence for atom # 3 N, 4, is greater than permitted" → "Explicit valence
// for atom" : groups failures by kind for the summary.
std::string failure_kind(const std::string& reason) {
  size_t end = reason.find_first_of(":#");
  std::string kind = reason.substr(0, std::min<size_t>(end, 60));
  while (!kind.empty() && kind.back() == ' ') kind.pop_back();
  return kind.empty() ? reason.substr(0, 60) : kind;
}

}  // namespace

FeaturizeSummary featurize_csv(const FeaturizeCsvOptions& options) {
  FeaturizeSummary summary;
  CsvReader reader(options.input, smiles_source_options(options.input));
  const bool smi = reader.header().empty();
  const int smiles_col = smiles_column(reader, options.smiles_column);
  std::vector<int> target_cols;
  if (!smi) {
    if (!options.targets.empty()) {
      for (const auto& t : options.targets) {
        target_cols.push_back(reader.column_index(t));
        summary.target_names.push_back(t);
      }
    } else if (options.all_other_columns_are_targets) {
      for (size_t c = 0; c < reader.header().size(); ++c) {
        if (static_cast<int>(c) == smiles_col) continue;
        target_cols.push_back(static_cast<int>(c));
        summary.target_names.push_back(reader.header()[c]);
      }
    }
  }
  int needed = smiles_col;
  for (int c : target_cols) needed = std::max(needed, c);
  const size_t num_targets = target_cols.size();

  DatasetWriterOptions writer_options;
  writer_options.target_names = summary.target_names;
  if (options.featurize.descriptors) writer_options.descriptor_names = chem::descriptor_names();
  writer_options.scaffolds = options.featurize.scaffold;
  writer_options.standardized = options.featurize.standardize;
  writer_options.source_file = options.input;
  writer_options.source_sha256 = core::sha256_file(options.input);
  DatasetWriter writer(options.output, writer_options);

  core::Progress progress("featurize", reader.file_size(), "mol", options.quiet);
  CsvRecord record;
  const std::string& file = options.input;

  std::function<bool(Chunk&)> produce = [&](Chunk& chunk) {
    chunk.rows.clear();
    while (static_cast<int>(chunk.rows.size()) < options.chunk_rows && reader.next(record)) {
      RowIn in;
      in.row = record.row;
      if (static_cast<int>(record.fields.size()) <= needed) {
        in.smiles = field_or_empty(record, smiles_col);
        in.error = "row " + std::to_string(record.row) + " (line " + std::to_string(record.line) + ") has " +
                   std::to_string(record.fields.size()) + " fields, expected at least " + std::to_string(needed + 1);
      } else {
        in.smiles = record.fields[smiles_col];
        for (int c : target_cols) in.target_cells.push_back(record.fields[c]);
      }
      chunk.rows.push_back(std::move(in));
    }
    chunk.bytes_read = reader.bytes_read();
    return !chunk.rows.empty();
  };

  std::function<ChunkOut(Chunk&)> work = [&](Chunk& chunk) {
    ChunkOut out;
    out.bytes_read = chunk.bytes_read;
    out.rows.resize(chunk.rows.size());
    for (size_t i = 0; i < chunk.rows.size(); ++i) {
      RowIn& in = chunk.rows[i];
      RowOut& o = out.rows[i];
      o.row = in.row;
      o.smiles = std::move(in.smiles);
      if (!in.error.empty()) {
        o.mol.error = in.error;
        continue;
      }
      o.targets.resize(num_targets);
      try {
        for (size_t t = 0; t < num_targets; ++t) {
          o.targets[t] = parse_target(in.target_cells[t], file, in.row, summary.target_names[t]);
        }
      } catch (const Error& e) {
        o.mol.error = e.what();
        continue;
      }
      o.mol = chem::featurize_smiles(o.smiles, options.featurize);
    }
    return out;
  };

  std::function<void(ChunkOut&)> consume = [&](ChunkOut& chunk) {
    for (RowOut& o : chunk.rows) {
      ++summary.rows;
      if (o.mol.ok()) {
        writer.add(o.row, o.smiles, o.mol, o.targets.data());
        ++summary.molecules;
      } else {
        writer.add_failure(o.row, o.smiles, o.mol.error);
        ++summary.failed;
        ++summary.failure_kinds[failure_kind(o.mol.error)];
        if (summary.first_failures.size() < 10) {
          summary.first_failures.push_back({o.row, o.smiles, o.mol.error});
        }
      }
    }
    progress.update(chunk.bytes_read, summary.rows);
  };

  core::ordered_map<Chunk, ChunkOut>(options.threads, static_cast<size_t>(4 * options.threads), produce, work, consume);
  progress.finish();
  if (summary.molecules == 0) {
    throw Error(options.input + ": no molecule could be read (" + std::to_string(summary.rows) + " rows, " +
                std::to_string(summary.failed) + " failed)" +
                (summary.first_failures.empty()
                     ? std::string()
                     : "; first failure: row " + std::to_string(summary.first_failures[0].row) + ": " +
                           summary.first_failures[0].reason));
  }
  writer.finish(summary.rows);
  summary.seconds = progress.elapsed_seconds();
  return summary;
}

}  // namespace molprop::data
