#include "inference/predict_csv.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <set>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/output_paths.h"
#include "data/featurize_stream.h"
#include "inference/predict_molecules.h"
#include "inference/predictor.h"
#include "inference/shards.h"

namespace molprop::inference {
namespace {

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

// What goes into an output row besides the input's own columns.
struct OutputLayout {
  bool smi = false;       // a .smi input: its columns are "smiles" and "name"
  size_t input_cols = 0;  // columns copied from the input
  std::vector<size_t> shown;                                // target indices with columns, in order
  bool spread = false;                                      // a <target>_std column per target
  const checkpoint::ApplicabilityDomain* domain = nullptr;  // train_similarity, in_domain
  bool per_target = false;                                  // <target>_in_domain per shown target
  bool table = false;
};

// The target indices PredictCsvOptions::properties names (see there).
std::vector<size_t> shown_targets(const Predictor& predictor, const std::vector<std::string>& properties) {
  const auto& names = predictor.target_names();
  std::vector<std::string> wanted = properties.empty() ? predictor.default_properties() : properties;
  if (wanted.size() == 1 && wanted.front() == "all") wanted = names;
  std::vector<size_t> shown;
  for (const auto& w : wanted) {
    const auto it = std::find(names.begin(), names.end(), w);
    if (it == names.end()) {
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw Error("PredictCsvOptions::properties: the model has no property " + w + " (it has " + list + ", or all)");
    }
    const auto index = static_cast<size_t>(it - names.begin());
    if (std::find(shown.begin(), shown.end(), index) == shown.end()) shown.push_back(index);
  }
  return shown;
}

// An output column named like an input column (an input that already has "logS" or
// "error", e.g. an earlier prediction) gets "_pred" appended, as often as needed to be
// unique: two columns of one name would be read as one by every CSV tool.
void rename_clashing_columns(std::vector<std::string>& header, size_t input_cols) {
  std::set<std::string> taken(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(input_cols));
  for (size_t c = input_cols; c < header.size(); ++c) {
    while (taken.count(header[c]) > 0) header[c] += "_pred";
    taken.insert(header[c]);
  }
}

// The output header: the input's columns, one per target (with its unit), the spreads,
// the domain columns and "error".
std::vector<std::string> output_header(const data::FeaturizeStream& stream, const Predictor& predictor,
                                       OutputLayout& layout) {
  layout.smi = stream.is_smiles_file();
  std::vector<std::string> header = layout.smi ? std::vector<std::string>{"smiles", "name"} : stream.header();
  layout.input_cols = header.size();
  const auto& targets = predictor.target_names();
  const auto units = predictor.target_units();
  layout.spread = predictor.has_uncertainty();
  layout.domain = predictor.domain();
  layout.per_target = layout.domain != nullptr && layout.domain->num_targets() == targets.size();
  if (layout.table) {
    // Short headers keep the columns narrow; the units go into the legend (table_legend).
    for (size_t j : layout.shown) header.push_back(targets[j]);
    header.push_back("note");
    rename_clashing_columns(header, layout.input_cols);
    return header;
  }
  for (size_t j : layout.shown) header.push_back(with_unit(targets[j], units[j]));
  if (layout.spread) {
    for (size_t j : layout.shown) header.push_back(with_unit(targets[j] + "_std", units[j]));
  }
  if (layout.domain) {
    header.push_back("train_similarity");
    if (layout.per_target) {
      for (size_t j : layout.shown) header.push_back(targets[j] + "_in_domain");
    } else {
      header.push_back("in_domain");
    }
    header.push_back("domain_note");
  }
  header.push_back("error");
  rename_clashing_columns(header, layout.input_cols);
  return header;
}

// The input's columns of `row`: a .smi line is its SMILES, then the rest of the line as
// its name; a short row keeps its columns' places.
void input_cells(const data::FeaturizedRow& row, const OutputLayout& layout, std::vector<std::string>& cells) {
  if (layout.smi) {
    cells.assign({row.fields.empty() ? "" : row.fields[0], ""});
    for (size_t k = 1; k < row.fields.size(); ++k) cells[1] += (k > 1 ? " " : "") + row.fields[k];
  } else {
    cells.assign(row.fields.begin(), row.fields.end());
  }
  cells.resize(layout.input_cols);
}

// Appends the prediction columns of one row (empty cells for a failed row).
void prediction_cells(const MoleculePrediction& p, const OutputLayout& layout, std::vector<std::string>& cells) {
  const bool ok = p.ok();
  auto target_in_domain = [&](size_t j) {
    return layout.per_target ? p.target_in_domain.at(j) != 0 : p.in_domain;
  };
  if (layout.table) {
    for (size_t j : layout.shown) {
      std::string cell;
      if (ok) {
        cell = format_value(p.mean[j], true);
        if (layout.spread) cell += " ± " + format_value(p.std[j], true);
        if (layout.domain && !target_in_domain(j)) cell += " *";
      }
      cells.push_back(cell);
    }
    cells.push_back(ok ? p.domain_note : p.error);
    return;
  }
  for (size_t j : layout.shown) cells.push_back(ok ? format_value(p.mean[j]) : "");
  if (layout.spread) {
    for (size_t j : layout.shown) cells.push_back(ok ? format_value(p.std[j]) : "");
  }
  if (layout.domain) {
    char sim[16];
    std::snprintf(sim, sizeof sim, "%.3f", p.train_similarity);
    cells.push_back(ok ? sim : "");
    if (layout.per_target) {
      for (size_t j : layout.shown) cells.push_back(ok ? (target_in_domain(j) ? "yes" : "no") : "");
    } else {
      cells.push_back(ok ? (p.in_domain ? "yes" : "no") : "");
    }
    cells.push_back(ok ? p.domain_note : "");
  }
  cells.push_back(p.error);
}

// The lines under a table: what the cells are and the units.
std::string table_legend(const Predictor& predictor, const OutputLayout& layout) {
  std::string units;
  const std::vector<std::string> unit_of = predictor.target_units();
  for (size_t j : layout.shown) {
    const std::string& u = unit_of[j];
    if (!u.empty()) units += (units.empty() ? "" : ", ") + predictor.target_names()[j] + " " + u;
  }
  std::string legend = "\n";
  legend += layout.spread ? "cells: prediction ± standard deviation" : "cells: prediction";
  legend += units.empty() ? "\n" : "; units: " + units + "\n";
  if (layout.domain) {
    legend +=
        "* outside the property's applicability domain: no training molecule with that property is similar "
        "enough (ECFP4 Tanimoto below its threshold), the value lies beyond the range of its training labels, or the note says why\n";
  }
  return legend;
}

data::FeaturizeStreamOptions stream_options(const Predictor& predictor, const PredictCsvOptions& options,
                                            const std::vector<size_t>& shown) {
  data::FeaturizeStreamOptions o;
  o.smiles_column = options.smiles_column;
  o.featurize = predictor.featurize_options();
  // With tautomer forms, the molecule as written is featurised and predicted only for a column
  // that takes it (predict.json's tautomer_as_written): a third of the default model's time.
  o.featurize.written_graph = std::any_of(shown.begin(), shown.end(),
                                          [&](size_t j) { return predictor.tautomer_as_written()[j]; });
  o.featurize.max_smiles_length = options.max_smiles_length;
  o.featurize.max_atoms = options.max_atoms;
  o.threads = options.threads;
  o.chunk_rows = options.batch_size;
  o.shard_index = options.shard_index;
  o.num_shards = options.num_shards;
  o.progress_label = "predict";
  o.quiet = options.quiet;
  return o;
}

// The work of each featurising worker (thread policy, docs/performance.md): after its
// chunk's rows are featurised, the nearest-neighbour search of the applicability domain
// (row.values = all_similarities: overall, then per target) and the model itself, on the chunk as one batch, with one
// intra-op thread: `threads` workers predict different chunks at once, so no BLAS or
// OpenMP team waits (spins) between small matrix products.
data::RowSteps worker_steps(Predictor& predictor, const OutputLayout& layout) {
  data::RowSteps steps;
  if (const checkpoint::ApplicabilityDomain* domain = layout.domain) {
    steps.annotate = [domain](data::FeaturizedRow& row) { row.values = domain->all_similarities(row.mol.fingerprint); };
  }
  const bool domain = layout.domain != nullptr;
  steps.chunk = [&predictor, domain](data::FeaturizedChunk& chunk) {
    use_one_intra_op_thread();
    std::vector<const chem::FeaturizedMol*> mols;
    std::vector<std::vector<double>> similarity;
    for (const data::FeaturizedRow& r : chunk.rows) {
      mols.push_back(&r.mol);
      similarity.push_back(r.values);
    }
    chunk.result = predict_molecules(predictor, mols, domain ? &similarity : nullptr);
  };
  return steps;
}

// Writes one predicted chunk's rows, in order.
void write_chunk(const data::FeaturizedChunk& chunk, const OutputLayout& layout, RowWriter& writer,
                 PredictSummary& summary) {
  const auto& predicted = std::any_cast<const std::vector<MoleculePrediction>&>(chunk.result);
  std::vector<std::string> cells;
  for (size_t i = 0; i < chunk.rows.size(); ++i) {
    input_cells(chunk.rows[i], layout, cells);
    prediction_cells(predicted[i], layout, cells);
    if (predicted[i].ok()) {
      ++summary.predicted;
    } else {
      ++summary.failed;
    }
    ++summary.rows;
    writer.write(cells);
  }
}

}  // namespace

PredictSummary predict_csv(Predictor& predictor, const PredictCsvOptions& options) {
  options.validate();
  check_predicts_properties(predictor);
  std::vector<std::string> inputs{options.input};
  for (const auto& m : predictor.model_paths()) inputs.push_back(m);
  core::check_output_is_not_input(options.output, inputs);
  const bool to_stdout = options.output.empty() || options.output == "-";
  const bool sharded = options.num_shards > 1;
  if (sharded && to_stdout)
    throw Error("sharded prediction needs PredictCsvOptions::output (each shard writes its own file)");
  OutputLayout layout;
  layout.table = options.format == "table";
  layout.shown = shown_targets(predictor, options.properties);
  data::FeaturizeStream stream(options.input, stream_options(predictor, options, layout.shown));
  const std::vector<std::string> header = output_header(stream, predictor, layout);
  // A file output goes to a temporary file, committed below; stdout is written directly.
  std::optional<core::AtomicOutputFile> file;
  if (!to_stdout) file.emplace(options.output);
  std::ostream& out = to_stdout ? std::cout : file->stream();
  const bool table = layout.table;
  RowWriter writer(out, table);
  writer.write(header);

  PredictSummary summary;
  stream.run([&](data::FeaturizedChunk& chunk) { write_chunk(chunk, layout, writer, summary); },
             worker_steps(predictor, layout));
  writer.flush();
  if (table) out << table_legend(predictor, layout);
  stream.finish();
  summary.seconds = stream.seconds();
  if (to_stdout) {
    std::cout.flush();
    if (!std::cout) throw Error("writing predictions to stdout failed");
    return summary;
  }
  file->commit();
  if (sharded) {
    const data::ByteRange& range = stream.range();
    write_shard_manifest(options.output,
                         ShardManifest{"predictions", options.shard_index, options.num_shards, options.input,
                                       stream.file_size(), range.begin, range.end, summary.rows, header});
  }
  return summary;
}

}  // namespace molprop::inference
