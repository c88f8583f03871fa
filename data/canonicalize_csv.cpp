#include "data/canonicalize_csv.h"

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/options.h"
#include "data/featurize_stream.h"

namespace molprop::data {

void CanonicalizeCsvOptions::validate() const {
  core::check_range("CanonicalizeCsvOptions::chunk_rows", chunk_rows, 1, 1 << 20);
  core::check_range("CanonicalizeCsvOptions::threads", threads, 1, 1 << 16);
  core::check_range("CanonicalizeCsvOptions::tautomer_forms", tautomer_forms, 0, chem::kMaxTautomerForms);
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

CanonicalizeSummary canonicalize_csv(const CanonicalizeCsvOptions& options) {
  options.validate();
  FeaturizeStreamOptions stream_options;
  stream_options.smiles_column = options.smiles_column;
  stream_options.featurize.standardize = options.standardize;
  stream_options.featurize.canonical_tautomer = options.canonical_tautomer;
  stream_options.featurize.tautomer_forms = options.tautomer_forms;
  stream_options.featurize.canonical_smiles = true;
  stream_options.threads = options.threads;
  stream_options.chunk_rows = options.chunk_rows;
  stream_options.max_chunks_in_flight = static_cast<size_t>(4 * options.threads);
  stream_options.progress_label = "canonicalize";
  stream_options.quiet = options.quiet;
  FeaturizeStream stream(options.input, stream_options);
  core::AtomicOutputFile out(options.output);
  std::ostream& os = out.stream();
  os << "row,smiles,canonical_smiles,error" << (options.tautomer_forms > 0 ? ",tautomers\n" : "\n");
  CanonicalizeSummary summary;
  stream.run([&](FeaturizedChunk& chunk) {
    for (const FeaturizedRow& row : chunk.rows) {
      ++summary.rows;
      if (!row.mol.ok()) ++summary.failed;
      os << row.row << ',' << csv_cell(row.smiles) << ',' << csv_cell(row.mol.canonical_smiles) << ','
         << csv_cell(row.mol.error);
      if (options.tautomer_forms > 0) {
        std::string forms;
        for (const chem::FeaturizedForm& f : row.mol.forms) forms += (forms.empty() ? "" : " ") + f.canonical_smiles;
        os << ',' << csv_cell(forms);
      }
      os << '\n';
    }
  });
  stream.finish();
  out.commit();
  summary.seconds = stream.seconds();
  return summary;
}

}  // namespace molprop::data
