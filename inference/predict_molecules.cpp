#include "inference/predict_molecules.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "data/collate.h"
#include "inference/predictor.h"

namespace molprop::inference {

MoleculePrediction::MoleculePrediction() : train_similarity(std::numeric_limits<double>::quiet_NaN()) {}

void check_predicts_properties(const Predictor& predictor) {
  // A pretrain output has no targets, or (descriptor objective) predicts its descriptors.
  bool pretrained = predictor.target_names().empty();
  try {
    const nlohmann::json metadata = nlohmann::json::parse(predictor.metadata_json());
    pretrained |= metadata.is_object() && metadata.value("kind", "") == "pretrained";
  } catch (const nlohmann::json::exception&) {
  }
  if (!pretrained) return;
  const std::string& model = predictor.model_paths().front();
  throw Error(model + " is a pretrained encoder, not a property model; fine-tune it with TrainRunOptions::from " +
              model);
}

std::vector<MoleculePrediction> predict_molecules(Predictor& predictor,
                                                  const std::vector<const chem::FeaturizedMol*>& molecules,
                                                  const std::vector<std::vector<double>>* similarity) {
  MOLPROP_CHECK(similarity == nullptr || similarity->size() == molecules.size(),
                "got " << similarity->size() << " similarities for " << molecules.size() << " molecules");
  check_predicts_properties(predictor);
  // A molecule with tautomer forms (FeaturizeOptions::tautomer_forms) is predicted as the
  // mean over its forms: mean and spread each averaged; the targets of
  // Predictor::tautomer_as_written() take the molecule as written instead (one more row). A
  // molecule featurised without its as-written graph (FeaturizeOptions::written_graph) gets
  // NaN for those targets, mean and spread.
  const std::vector<bool>& as_written = predictor.tautomer_as_written();
  const bool keep_written = std::find(as_written.begin(), as_written.end(), true) != as_written.end();
  auto written_row = [keep_written](const chem::FeaturizedMol& m) {
    return m.forms.empty() || (keep_written && m.graph.num_atoms > 0);
  };
  bool any_forms = false;
  std::vector<std::pair<const chem::MolGraph*, const float*>> rows;  // graph and descriptors, in order
  for (const chem::FeaturizedMol* m : molecules) {
    if (!m->ok()) continue;
    if (written_row(*m)) rows.emplace_back(&m->graph, m->descriptors.data());
    for (const chem::FeaturizedForm& f : m->forms) rows.emplace_back(&f.graph, f.descriptors.data());
    any_forms |= !m->forms.empty();
  }
  // At most molecules.size() rows per model pass, so that forms do not multiply the batch's
  // memory (a molecule's prediction does not depend on the batch it is in).
  std::vector<float> mean, std;
  const size_t slice = std::max<size_t>(1, molecules.size());
  for (size_t first = 0; first < rows.size(); first += slice) {
    data::Batch batch;
    batch.num_descriptors = predictor.num_descriptors();
    for (size_t k = first; k < std::min(rows.size(), first + slice); ++k) {
      append_graph(*rows[k].first, rows[k].second, batch);
    }
    std::vector<float> part_mean, part_std;
    predictor.predict(batch, part_mean, part_std);
    mean.insert(mean.end(), part_mean.begin(), part_mean.end());
    std.insert(std.end(), part_std.begin(), part_std.end());
  }
  const size_t t = predictor.target_names().size();
  if (any_forms) {
    std::vector<float> row_mean = std::move(mean), row_std = std::move(std);
    mean.clear();
    std.clear();
    size_t r = 0;
    for (const chem::FeaturizedMol* m : molecules) {
      if (!m->ok()) continue;
      const bool has_written = written_row(*m);
      const size_t written = r;  // the molecule as written: its own row, or the only row
      if (!m->forms.empty() && has_written) ++r;
      const size_t n = std::max<size_t>(1, m->forms.size());
      for (size_t j = 0; j < t; ++j) {
        if (as_written[j]) {
          const float nan = std::numeric_limits<float>::quiet_NaN();
          mean.push_back(has_written ? row_mean[written * t + j] : nan);
          std.push_back(has_written ? row_std[written * t + j] : nan);
          continue;
        }
        float sum_mean = 0, sum_std = 0;
        for (size_t f = 0; f < n; ++f) {
          sum_mean += row_mean[(r + f) * t + j];
          sum_std += row_std[(r + f) * t + j];
        }
        mean.push_back(sum_mean / static_cast<float>(n));
        std.push_back(sum_std / static_cast<float>(n));
      }
      r += n;
    }
  }

  const checkpoint::ApplicabilityDomain* domain = predictor.domain();
  std::vector<MoleculePrediction> out(molecules.size());
  size_t k = 0;  // index among predicted molecules
  for (size_t i = 0; i < molecules.size(); ++i) {
    const chem::FeaturizedMol& m = *molecules[i];
    MoleculePrediction& p = out[i];
    if (!m.ok()) {
      p.error = m.error;
      continue;
    }
    p.mean.assign(mean.begin() + static_cast<std::ptrdiff_t>(k * t),
                  mean.begin() + static_cast<std::ptrdiff_t>((k + 1) * t));
    p.std.assign(std.begin() + static_cast<std::ptrdiff_t>(k * t),
                 std.begin() + static_cast<std::ptrdiff_t>((k + 1) * t));
    ++k;
    // A value that is not a number is no prediction: say so rather than write an empty
    // cell with an empty error (the targets left out above are not predictions).
    const bool written_left_out = !written_row(m);
    bool finite = true;
    for (size_t j = 0; j < t; ++j) finite &= std::isfinite(p.mean[j]) || (as_written[j] && written_left_out);
    if (!finite) {
      p.mean.clear();
      p.std.clear();
      p.error = "non-finite prediction";
      continue;
    }
    if (domain) {
      const std::vector<double> all = similarity && !(*similarity)[i].empty() ? (*similarity)[i]
                                                                                : domain->all_similarities(m.fingerprint);
      MOLPROP_CHECK(all.size() == 1 + domain->num_targets(),
                    "got " << all.size() << " similarities for a domain of " << domain->num_targets() << " targets");
      p.train_similarity = all[0];
      p.in_domain = domain->in_domain(p.train_similarity) && m.domain_note.empty();
      p.domain_note = m.domain_note;
      for (size_t j = 0; j < domain->num_targets(); ++j) {
        const double s = all[1 + j];
        p.target_similarity.push_back(s);
        p.target_in_domain.push_back(
            domain->in_domain(s, j) && m.domain_note.empty() && domain->in_label_range(j, p.mean[j]) ? 1 : 0);
      }
    }
  }
  return out;
}

std::vector<MoleculePrediction> predict_smiles(Predictor& predictor, const std::vector<std::string>& smiles,
                                               int64_t batch_size) {
  MOLPROP_CHECK(batch_size >= 1, "batch size must be ≥ 1, got " << batch_size);
  const chem::FeaturizeOptions featurize = predictor.featurize_options();
  std::vector<MoleculePrediction> out;
  out.reserve(smiles.size());
  std::vector<chem::FeaturizedMol> mols;
  std::vector<const chem::FeaturizedMol*> batch;
  for (size_t first = 0; first < smiles.size(); first += static_cast<size_t>(batch_size)) {
    const size_t last = std::min(smiles.size(), first + static_cast<size_t>(batch_size));
    mols.clear();
    for (size_t i = first; i < last; ++i) mols.push_back(chem::featurize_smiles(smiles[i], featurize));
    batch.clear();
    for (const auto& m : mols) batch.push_back(&m);
    for (MoleculePrediction& p : predict_molecules(predictor, batch)) out.push_back(std::move(p));
  }
  return out;
}

}  // namespace molprop::inference
