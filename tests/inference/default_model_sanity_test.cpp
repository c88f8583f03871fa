// The shipped default model on everyday molecules (tests/fixtures/sanity_molecules.csv:
// solvents, sugars, common drugs, with their measured values from the shared files). A
// future model that gets more of them wrong, or calls a wrong answer in-domain, fails here.
// docs/default-model.md shows the same table (scripts/default-model-report.py --sanity).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "checkpoint/default_model.h"
#include "chem/parse.h"
#include "data/csv_reader.h"
#include "inference/predict_molecules.h"
#include "inference/predictor.h"
#include "tests/util/scratch_dir.h"

namespace {

using namespace molprop;

// A property's prediction is wrong when it is in that property's domain and farther than
// this from the measured value (the margins of scripts/default-model-report.py).
const std::map<std::string, double> kMargins = {{"logP", 0.7}, {"logD7.4", 0.7}, {"logS", 1.0}, {"mp", 50.0}};
// At most this many wrong (molecule, property) pairs of the ~70 measured ones. The first run
// of the second edition had 0, the run with descriptors as inputs 4; the shipped one (3-layer
// head, canonical tautomers; 2026-12-07) has 1. docs/default-model.md lists them.
constexpr int kMaxWrong = 2;

struct SanityMolecule {
  std::string name, smiles;
  std::map<std::string, double> measured;
};

std::vector<SanityMolecule> read_molecules() {
  data::CsvReader reader(std::string(MOLPROP_TEST_DATA_DIR) + "/sanity_molecules.csv");
  std::vector<SanityMolecule> out;
  data::CsvRecord r;
  while (reader.next(r)) {
    SanityMolecule m{r.fields.at(0), r.fields.at(1), {}};
    for (size_t c = 2; c < r.fields.size(); ++c) {
      if (!r.fields[c].empty()) m.measured[reader.header()[c]] = std::stod(r.fields[c]);
    }
    out.push_back(m);
  }
  return out;
}

TEST(DefaultModelSanity, EverydayMoleculesAreRightOrFlagged) {
  inference::Predictor predictor(checkpoint::default_model_dir());
  const auto& names = predictor.target_names();
  const auto index = [&](const std::string& n) {
    const auto it = std::find(names.begin(), names.end(), n);
    EXPECT_NE(it, names.end()) << "the default model has no " << n;
    return static_cast<size_t>(it - names.begin());
  };
  const std::vector<SanityMolecule> molecules = read_molecules();
  ASSERT_EQ(molecules.size(), 25u);
  std::vector<std::string> smiles;
  for (const auto& m : molecules) smiles.push_back(m.smiles);
  const auto predicted = inference::predict_smiles(predictor, smiles, 32);
  ASSERT_EQ(predicted.size(), molecules.size());

  int measured = 0, wrong = 0;
  std::string report;
  for (size_t i = 0; i < molecules.size(); ++i) {
    const auto& p = predicted[i];
    ASSERT_TRUE(p.ok()) << molecules[i].name << ": " << p.error;
    ASSERT_EQ(p.target_in_domain.size(), names.size()) << "the default model has a per-target domain";
    for (const auto& [property, value] : molecules[i].measured) {
      const size_t t = index(property);
      ++measured;
      const double error = p.mean[t] - value;
      if (p.target_in_domain[t] && std::abs(error) > kMargins.at(property)) {
        ++wrong;
        report += " " + molecules[i].name + " " + property + " " + std::to_string(p.mean[t]) + " (measured " +
                  std::to_string(value) + ");";
      }
      // The reported σ covers a wrong answer it calls in-domain at least at 3σ.
      if (p.target_in_domain[t]) {
        EXPECT_LE(std::abs(error), 3 * p.std[t] + kMargins.at(property)) << report;
      }
    }
  }
  EXPECT_GT(measured, 60);
  EXPECT_LE(wrong, kMaxWrong) << "in-domain predictions off by more than the margin:" << report;
}

TEST(DefaultModelSanity, SmallSolventsAndSugarGetAPlausibleLogPAndLogDOrAFlag) {
  // The first edition said logD7.4 = 2.09 for ethanol, in domain. None of these ionise at
  // pH 7.4, so their logD7.4 is their logP.
  const std::map<std::string, std::pair<std::string, double>> measured_logp = {
      {"ethanol", {"CCO", -0.31}},
      {"acetone", {"CC(C)=O", -0.24}},
      {"DMSO", {"CS(C)=O", -1.35}},
      {"chloroform", {"ClC(Cl)Cl", 1.97}},
      {"glucose", {"OCC1OC(O)C(O)C(O)C1O", -3.24}}};
  inference::Predictor predictor(checkpoint::default_model_dir());
  const auto& names = predictor.target_names();
  const size_t logp = static_cast<size_t>(std::find(names.begin(), names.end(), "logP") - names.begin());
  const size_t logd = static_cast<size_t>(std::find(names.begin(), names.end(), "logD7.4") - names.begin());
  ASSERT_LT(logp, names.size());
  ASSERT_LT(logd, names.size());
  for (const auto& [name, entry] : measured_logp) {
    const auto p = inference::predict_smiles(predictor, {entry.first}, 1).front();
    ASSERT_TRUE(p.ok()) << name;
    for (size_t t : {logp, logd}) {
      const bool close = std::abs(p.mean[t] - entry.second) <= 0.7;
      EXPECT_TRUE(close || !p.target_in_domain[t])
          << name << " " << names[t] << " = " << p.mean[t] << " (measured logP " << entry.second << "), in domain";
    }
  }
}

TEST(DefaultModelSanity, SaltsAndMetalsAreFlaggedWithTheReason) {
  inference::Predictor predictor(checkpoint::default_model_dir());
  const auto p = inference::predict_smiles(predictor, {"CC(=O)[O-].[Na+]", "CCCC[Sn](CCCC)(CCCC)Cl", "CC(=O)O"}, 3);
  ASSERT_TRUE(p[0].ok() && p[1].ok() && p[2].ok());
  EXPECT_EQ(p[0].domain_note.rfind("2 components (salt, hydrate or mixture): predicted for the largest organic "
                                   "fragment, CC(=O)O",
                                   0),
            0u)
      << p[0].domain_note;
  EXPECT_NE(p[1].domain_note.find("contains Sn"), std::string::npos) << p[1].domain_note;
  EXPECT_EQ(p[2].domain_note, "");
  for (size_t t = 0; t < predictor.target_names().size(); ++t) {
    EXPECT_FALSE(p[0].target_in_domain[t]);
    EXPECT_FALSE(p[1].target_in_domain[t]);
    // Sodium acetate is predicted as acetic acid, the parent: the same graph and
    // descriptors, at another place in the batch, where the GEMM may sum in another order
    // (OpenBLAS's Haswell kernel, single-threaded: 9 ULP apart in logD7.4), so equal to
    // float rounding rather than bit for bit.
    EXPECT_NEAR(p[0].mean[t], p[2].mean[t], 1e-5f * std::max(1.0f, std::abs(p[2].mean[t])));
  }
}

// tests/fixtures/variant_pairs.csv: the same compound written as two tautomers, or in its
// neutral and a charged form (pairs whose canonical SMILES differ; docs/robustness.md). The
// measured property belongs to the compound, so the model's default columns must not move
// between the two by more than this (issue 13's target for logS: median drift ≤ 0.05).
constexpr double kMaxVariantDrift = 0.05;        // log units, kcal/mol
constexpr double kMaxVariantDriftCelsius = 0.5;  // melting point

struct VariantPair {
  std::string label, a, b;
};

std::vector<VariantPair> read_pairs(const std::string& kind) {
  data::CsvReader reader(std::string(MOLPROP_TEST_DATA_DIR) + "/variant_pairs.csv");
  std::vector<VariantPair> out;
  data::CsvRecord r;
  while (reader.next(r)) {
    if (r.fields.at(1) == kind) out.push_back({kind + " pair " + r.fields.at(0), r.fields.at(2), r.fields.at(3)});
  }
  return out;
}

// Every pair's two forms predicted alike, for each default column.
void expect_no_drift(inference::Predictor& predictor, const std::vector<VariantPair>& pairs) {
  const auto& names = predictor.target_names();
  std::vector<std::string> smiles;
  for (const auto& pair : pairs) {
    smiles.push_back(pair.a);
    smiles.push_back(pair.b);
  }
  const auto p = inference::predict_smiles(predictor, smiles, 32);
  ASSERT_EQ(p.size(), smiles.size());
  for (const std::string& property : predictor.default_properties()) {
    const size_t t = static_cast<size_t>(std::find(names.begin(), names.end(), property) - names.begin());
    ASSERT_LT(t, names.size()) << property;
    const double limit = property == "mp" ? kMaxVariantDriftCelsius : kMaxVariantDrift;
    for (size_t i = 0; i < pairs.size(); ++i) {
      ASSERT_TRUE(p[2 * i].ok() && p[2 * i + 1].ok()) << pairs[i].label << ": " << p[2 * i].error << p[2 * i + 1].error;
      EXPECT_LE(std::abs(p[2 * i].mean[t] - p[2 * i + 1].mean[t]), limit)
          << pairs[i].label << ": " << property << " " << p[2 * i].mean[t] << " vs " << p[2 * i + 1].mean[t];
    }
  }
}

TEST(DefaultModelRobustness, ChargedAndNeutralFormsGiveTheSamePrediction) {
  const auto pairs = read_pairs("charge");
  ASSERT_GE(pairs.size(), 10u);
  inference::Predictor predictor(checkpoint::default_model_dir());
  ASSERT_TRUE(predictor.settings().standardize) << "the shipped model standardises (neutralises) its input";
  expect_no_drift(predictor, pairs);
}

// The shipped predict.json predicts every default column from the canonical tautomer
// ("tautomer_forms": 1, the pKa as written; chosen by validation, docs/robustness.md): tautomer
// pairs are predicted alike as shipped.
TEST(DefaultModelRobustness, TautomerPairsGiveTheSamePredictionAsShipped) {
  const auto pairs = read_pairs("tautomer");
  ASSERT_GE(pairs.size(), 10u);
  inference::Predictor predictor(checkpoint::default_model_dir());
  ASSERT_EQ(predictor.settings().tautomer_forms, 1) << "the shipped model predicts from the canonical tautomer";
  for (const std::string& property : predictor.default_properties()) {
    EXPECT_NE(property.rfind("pKa", 0), 0u) << "a pKa (as written) must not be a default column";
  }
  expect_no_drift(predictor, pairs);
}

// A copy of the shipped folder (in a fresh test folder called `name`) whose predict.json
// `edit` has changed; returns the copy's path.
template <typename Edit>
std::string default_model_copy(const std::string& name, Edit&& edit) {
  const std::string dir = testing_util::fresh_dir(name) + "/default";
  std::filesystem::copy(checkpoint::default_model_dir(), dir, std::filesystem::copy_options::recursive);
  nlohmann::json settings = nlohmann::json::parse(std::ifstream(dir + "/predict.json"));
  edit(settings);
  std::ofstream(dir + "/predict.json") << settings.dump(2);
  return dir;
}

// canonical_tautomer (the table's rule; predict.json) also holds tautomer pairs together.
TEST(DefaultModelRobustness, WithCanonicalTautomersOnTautomerPairsGiveTheSamePrediction) {
  const auto pairs = read_pairs("tautomer");
  ASSERT_GE(pairs.size(), 10u);
  const std::string dir =
      default_model_copy("default_model_tautomers", [](nlohmann::json& s) { s["canonical_tautomer"] = true; });
  inference::Predictor predictor(dir);
  ASSERT_TRUE(predictor.settings().canonical_tautomer);
  expect_no_drift(predictor, pairs);
}

// tautomer_forms (predict.json): the prediction is the mean over the compound's most plausible
// tautomers, so tautomer pairs are predicted alike, and each value is the mean of what the
// model predicts for the forms one by one.
TEST(DefaultModelRobustness, WithTautomerFormsTheMeanOverTheFormsIsPredictedForEveryTautomer) {
  const auto pairs = read_pairs("tautomer");
  ASSERT_GE(pairs.size(), 10u);
  const std::string dir = default_model_copy("default_model_tautomer_forms", [](nlohmann::json& s) {
    s["tautomer_forms"] = 4;
    s.erase("tautomer_as_written");  // every column over the forms
  });
  inference::Predictor predictor(dir);
  ASSERT_EQ(predictor.settings().tautomer_forms, 4);
  expect_no_drift(predictor, pairs);

  chem::ParseOptions o;
  o.tautomer_forms = 4;
  const chem::ParsedMol parsed = chem::parse_smiles("CC(=O)CC(C)=O", o);
  ASSERT_TRUE(parsed.ok());
  ASSERT_GE(parsed.forms.size(), 2u);
  std::vector<std::string> forms;
  for (const auto& f : parsed.forms) forms.push_back(chem::canonical_smiles(*f));
  // Each form as written: a copy of the folder without the tautomer rule.
  inference::Predictor plain(default_model_copy("default_model_as_written", [](nlohmann::json& s) {
    s.erase("tautomer_forms");
    s.erase("tautomer_as_written");
  }));
  ASSERT_EQ(plain.settings().tautomer_forms, 0);
  const auto one_by_one = inference::predict_smiles(plain, forms, 32);
  const auto averaged = inference::predict_smiles(predictor, {"CC(=O)CC(C)=O"}, 32);
  ASSERT_TRUE(averaged.at(0).ok()) << averaged[0].error;
  for (size_t t = 0; t < predictor.target_names().size(); ++t) {
    double mean = 0, std = 0;
    for (const auto& p : one_by_one) {
      ASSERT_TRUE(p.ok()) << p.error;
      mean += p.mean[t] / static_cast<double>(forms.size());
      std += p.std[t] / static_cast<double>(forms.size());
    }
    EXPECT_NEAR(averaged[0].mean[t], mean, 1e-3 * (1 + std::abs(mean))) << predictor.target_names()[t];
    EXPECT_NEAR(averaged[0].std[t], std, 1e-3 * (1 + std)) << predictor.target_names()[t];
  }
}

}  // namespace
