#include "data/featurize_csv.h"

#include <cmath>

#include "chem/descriptors.h"
#include "core/check.h"
#include "core/output_paths.h"
#include "core/sha256.h"
#include "data/csv_reader.h"
#include "data/dataset_writer.h"
#include "data/featurize_stream.h"

namespace molprop::data {
namespace {

// "Explicit valence for atom # 3 N, 4, is greater than permitted" → "Explicit valence
// for atom" : groups failures by kind for the summary.
std::string failure_kind(const std::string& reason) {
  size_t end = reason.find_first_of(":#");
  std::string kind = reason.substr(0, std::min<size_t>(end, 60));
  while (!kind.empty() && kind.back() == ' ') kind.pop_back();
  return kind.empty() ? reason.substr(0, 60) : kind;
}

// The target columns (indices into the row) and their names: the named ones, or every
// column but the SMILES column, or none (an unlabeled dataset; always so for .smi).
struct TargetColumns {
  std::vector<int> columns;
  std::vector<std::string> names;
};

TargetColumns target_columns(const FeaturizeStream& stream, const FeaturizeCsvOptions& options) {
  TargetColumns t;
  if (stream.is_smiles_file()) return t;
  if (!options.targets.empty()) {
    for (const auto& name : options.targets) {
      t.columns.push_back(stream.column_index(name));
      t.names.push_back(name);
    }
  } else if (options.all_other_columns_are_targets) {
    const auto& header = stream.header();
    for (size_t c = 0; c < header.size(); ++c) {
      if (static_cast<int>(c) == stream.smiles_column()) continue;
      t.columns.push_back(static_cast<int>(c));
      t.names.push_back(header[c]);
    }
  }
  return t;
}

DatasetWriterOptions writer_options_for(const FeaturizeCsvOptions& options, const std::vector<std::string>& targets) {
  DatasetWriterOptions w;
  w.target_names = targets;
  if (options.featurize.descriptors) {
    w.descriptor_set = options.featurize.descriptor_set;
    w.descriptor_names = chem::descriptor_set(w.descriptor_set).names;
  }
  if (options.featurize.atom_targets) w.atom_target_names = chem::atom_target_names();
  w.scaffolds = options.featurize.scaffold;
  w.standardized = options.featurize.standardize;
  w.source_file = options.input;
  w.source_sha256 = core::sha256_file(options.input);
  return w;
}

// The worker-side check of a row before it is featurised: it has every column it needs,
// and its target cells parse (into row.values, one per target).
RowSteps target_parsing(const TargetColumns& targets, int smiles_col, const std::string& file) {
  int needed = smiles_col;
  for (int c : targets.columns) needed = std::max(needed, c);
  RowSteps steps;
  steps.check = [&targets, needed, &file](FeaturizedRow& row) -> std::string {
    if (static_cast<int>(row.fields.size()) <= needed) {
      return "row " + std::to_string(row.row) + " (line " + std::to_string(row.line) + ") has " +
             std::to_string(row.fields.size()) + " fields, expected at least " + std::to_string(needed + 1);
    }
    row.values.resize(targets.columns.size());
    try {
      for (size_t t = 0; t < targets.columns.size(); ++t) {
        row.values[t] = parse_target(row.fields[targets.columns[t]], file, row.row, targets.names[t]);
      }
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  return steps;
}

void add_row(const FeaturizedRow& row, DatasetWriter& writer, FeaturizeSummary& summary, std::vector<float>& targets) {
  ++summary.rows;
  if (row.mol.ok()) {
    targets.assign(row.values.begin(), row.values.end());
    writer.add(row.row, row.smiles, row.mol, targets.data());
    ++summary.molecules;
    return;
  }
  writer.add_failure(row.row, row.smiles, row.mol.error);
  ++summary.failed;
  ++summary.failure_kinds[failure_kind(row.mol.error)];
  if (summary.first_failures.size() < 10) summary.first_failures.push_back({row.row, row.smiles, row.mol.error});
}

}  // namespace

FeaturizeSummary featurize_csv(const FeaturizeCsvOptions& options) {
  options.validate();
  FeaturizeStreamOptions stream_options;
  stream_options.smiles_column = options.smiles_column;
  stream_options.featurize = options.featurize;
  stream_options.threads = options.threads;
  stream_options.chunk_rows = options.chunk_rows;
  stream_options.max_chunks_in_flight = static_cast<size_t>(4 * options.threads);
  stream_options.progress_label = "featurize";
  stream_options.quiet = options.quiet;
  FeaturizeStream stream(options.input, stream_options);
  const TargetColumns targets = target_columns(stream, options);
  FeaturizeSummary summary;
  summary.target_names = targets.names;
  core::check_output_is_not_input(options.output, {options.input});
  DatasetWriter writer(options.output, writer_options_for(options, targets.names));

  std::vector<float> row_targets;
  stream.run(
      [&](FeaturizedChunk& chunk) {
        for (const FeaturizedRow& row : chunk.rows) add_row(row, writer, summary, row_targets);
      },
      target_parsing(targets, stream.smiles_column(), options.input));
  stream.finish();
  if (summary.molecules == 0) {
    throw Error(options.input + ": no molecule could be read (" + std::to_string(summary.rows) + " rows, " +
                std::to_string(summary.failed) + " failed)" +
                (summary.first_failures.empty()
                     ? std::string()
                     : "; first failure: row " + std::to_string(summary.first_failures[0].row) + ": " +
                           summary.first_failures[0].reason));
  }
  writer.finish(summary.rows);
  summary.seconds = stream.seconds();
  return summary;
}

}  // namespace molprop::data
