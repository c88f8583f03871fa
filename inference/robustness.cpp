#include "inference/robustness.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/options.h"
#include "data/canonicalize_csv.h"
#include "data/csv_reader.h"
#include "inference/predict_molecules.h"
#include "inference/predictor.h"

namespace molprop::inference {
namespace fs = std::filesystem;

void RobustnessOptions::validate() const {
  core::check_range<int64_t>("RobustnessOptions::batch_size", batch_size, 1, int64_t{1} << 20);
  core::check_range<int64_t>("RobustnessOptions::max_molecules", max_molecules, 0, int64_t{1} << 40);
  core::check_range("RobustnessOptions::worst", worst, 0, 100);
  core::check_range("RobustnessOptions::variants.max_tautomers", variants.max_tautomers, 1, 1000);
  if (!variants.spelling && !variants.tautomer && !variants.charge && !variants.explicit_h) {
    throw Error("RobustnessOptions::variants: no variant kind chosen");
  }
  if (input.empty()) throw Error("RobustnessOptions::input: no input file");
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::string> read_smiles(const RobustnessOptions& o) {
  data::CsvReader reader(o.input, data::smiles_source_options(o.input));
  const int col = data::smiles_column(reader, o.smiles_column);
  std::vector<std::string> out;
  data::CsvRecord r;
  while ((o.max_molecules == 0 || static_cast<int64_t>(out.size()) < o.max_molecules) && reader.next(r)) {
    out.push_back(data::field_or_empty(r, col));
  }
  return out;
}

// metrics.json's summary.test.<target>.rmse_mean in the model folder, NaN where absent.
std::vector<double> test_rmse(const std::string& folder, const std::vector<std::string>& targets) {
  std::vector<double> out(targets.size(), kNaN);
  std::ifstream in(fs::path(folder) / "metrics.json");
  if (!in) return out;
  try {
    nlohmann::json j;
    in >> j;
    const auto& test = j.at("summary").at("test");
    for (size_t t = 0; t < targets.size(); ++t) {
      if (test.contains(targets[t])) out[t] = test.at(targets[t]).value("rmse_mean", kNaN);
    }
  } catch (const nlohmann::json::exception&) {
  }
  return out;
}

DriftStats stats(std::vector<double> v) {
  DriftStats s;
  s.molecules = static_cast<int64_t>(v.size());
  if (v.empty()) return {0, kNaN, kNaN, kNaN, kNaN};
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  const auto at = [&](double q) {
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
  };
  s.median = at(0.5);
  s.p95 = at(0.95);
  s.max = v.back();
  return s;
}

}  // namespace

RobustnessReport measure_robustness(Predictor& predictor, const RobustnessOptions& options) {
  options.validate();
  const auto start = std::chrono::steady_clock::now();
  check_predicts_properties(predictor);
  RobustnessReport report;
  report.targets = predictor.target_names();
  report.test_rmse = test_rmse(predictor.folder(), report.targets);
  const size_t t = report.targets.size();
  const std::vector<std::string> molecules = read_smiles(options);
  report.molecules = static_cast<int64_t>(molecules.size());

  std::vector<std::string> kinds;
  for (const auto& k : chem::variant_kinds()) {
    const bool on = (k == "spelling" && options.variants.spelling) || (k == "tautomer" && options.variants.tautomer) ||
                    (k == "charge" && options.variants.charge) || (k == "explicit_h" && options.variants.explicit_h);
    if (on) kinds.push_back(k);
  }
  // drift[kind][target]: one value per molecule with a variant of that kind.
  std::map<std::string, std::vector<std::vector<double>>> drift;
  std::map<std::string, int64_t> counts;
  std::map<std::string, std::vector<WorstMolecule>> worst;
  for (const auto& k : kinds) drift[k].assign(t, {});

  std::optional<core::AtomicOutputFile> detail;
  if (!options.output.empty()) {
    detail.emplace(options.output);
    std::ostream& out = detail->stream();
    out << "row,smiles,kind,variant";
    for (const auto& name : report.targets) out << "," << data::csv_cell(name + "_delta");
    out << ",error\n";
  }

  // Molecules in groups, each predicted together with its variants.
  const size_t group = 64;
  for (size_t first = 0; first < molecules.size(); first += group) {
    const size_t last = std::min(molecules.size(), first + group);
    std::vector<std::string> batch;
    std::vector<std::vector<chem::MolVariant>> variants;
    for (size_t i = first; i < last; ++i) {
      batch.push_back(molecules[i]);
      variants.push_back(chem::enumerate_variants(molecules[i], options.variants));
      for (const auto& v : variants.back()) batch.push_back(v.smiles);
    }
    const std::vector<MoleculePrediction> p = predict_smiles(predictor, batch, options.batch_size);
    size_t k = 0;
    for (size_t i = first; i < last; ++i) {
      const MoleculePrediction& base = p[k++];
      const auto& vs = variants[i - first];
      if (!base.ok()) {
        ++report.failed;
        k += vs.size();
        continue;
      }
      std::map<std::string, std::vector<double>> largest;  // per kind, per target
      std::map<std::string, std::string> largest_variant;
      for (const auto& v : vs) {
        const MoleculePrediction& q = p[k++];
        if (detail) {
          std::ostream& out = detail->stream();
          out << (i + 1) << "," << data::csv_cell(molecules[i]) << "," << v.kind << "," << data::csv_cell(v.smiles);
          for (size_t j = 0; j < t; ++j) {
            out << ",";
            if (q.ok()) out << (static_cast<double>(q.mean[j]) - base.mean[j]);
          }
          out << "," << data::csv_cell(q.error) << "\n";
        }
        if (!q.ok()) continue;
        ++counts[v.kind];
        auto& l = largest[v.kind];
        if (l.empty()) l.assign(t, 0.0);
        for (size_t j = 0; j < t; ++j) {
          const double d = std::abs(static_cast<double>(q.mean[j]) - base.mean[j]);
          if (j == 0 && (d > l[0] || largest_variant[v.kind].empty())) largest_variant[v.kind] = v.smiles;
          l[j] = std::max(l[j], d);
        }
      }
      for (const auto& [kind, l] : largest) {
        for (size_t j = 0; j < t; ++j) drift[kind][j].push_back(l[j]);
        worst[kind].push_back({molecules[i], largest_variant[kind], l[0]});
      }
    }
    if (!options.quiet) {
      std::fprintf(stderr, "\rrobustness: %zu/%zu molecules", last, molecules.size());
      if (last == molecules.size()) std::fprintf(stderr, "\n");
    }
  }
  if (detail) detail->commit();

  for (const auto& kind : kinds) {
    KindReport r;
    r.kind = kind;
    r.variants = counts[kind];
    for (size_t j = 0; j < t; ++j) r.drift.push_back(stats(drift[kind][j]));
    auto& w = worst[kind];
    std::sort(w.begin(), w.end(), [](const WorstMolecule& a, const WorstMolecule& b) { return a.drift > b.drift; });
    if (w.size() > static_cast<size_t>(options.worst)) w.resize(static_cast<size_t>(options.worst));
    r.worst = w;
    report.kinds.push_back(r);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace molprop::inference
