// Tests for chem/descriptors.h: the name list, one value per name, NaN exactly where RDKit
// gives no finite value, independence from how the SMILES was written, and thread safety.
#include "chem/descriptors.h"

#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/utils.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chem/parse.h"
#include "core/check.h"

namespace molprop::chem {
namespace {

std::unique_ptr<RDKit::ROMol> mol_of(const std::string& smiles) {
  ParsedMol p = parse_smiles(smiles);
  EXPECT_TRUE(p.ok()) << smiles << ": " << p.error;
  return std::move(p.mol);
}

int index_of(const std::string& name) {
  const auto& names = descriptor_names();
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

const std::vector<std::string>& sample_smiles() {
  static const std::vector<std::string> v = {
      "O",
      "C",
      "CCO",
      "c1ccccc1",
      "[Na+]",
      "[Na+].[Cl-]",
      "C[C@H](N)C(=O)O",
      "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
      "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
      "O=[N+]([O-])c1ccccc1",
      "NS(=O)(=O)c1ccc(N)cc1",
      "[Na+].[O-]C(=O)c1ccccc1",
      "C1CCCCCCCCCCC1",
      "[Fe+3]",
      "C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@]34C)[C@@H]1CC[C@@H]2O",
      "[H][H]",
      "[Og]",
  };
  return v;
}

bool same_float(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0; }

TEST(DescriptorNames, NonEmptyAndUnique) {
  const auto& names = descriptor_names();
  ASSERT_FALSE(names.empty());
  std::set<std::string> seen;
  for (const auto& n : names) {
    EXPECT_FALSE(n.empty());
    EXPECT_TRUE(seen.insert(n).second) << "duplicate descriptor name " << n;
  }
  // Stable: the same list object content on every call.
  EXPECT_EQ(descriptor_names(), names);
}

TEST(DescriptorNames, SameOrderAsRdkitRegistry) {
  RDKit::Descriptors::Properties props;
  EXPECT_EQ(descriptor_names(), props.getPropertyNames());
}

TEST(Descriptors, EthanolAllFinite) {
  auto mol = mol_of("CCO");
  ASSERT_TRUE(mol);
  const auto values = compute_descriptors(*mol);
  ASSERT_EQ(values.size(), descriptor_names().size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_TRUE(std::isfinite(values[i])) << descriptor_names()[i] << " = " << values[i];
  }
}

TEST(Descriptors, OneValuePerNameForManyMolecules) {
  for (const auto& smi : sample_smiles()) {
    auto mol = mol_of(smi);
    if (!mol) continue;
    const auto values = compute_descriptors(*mol);
    EXPECT_EQ(values.size(), descriptor_names().size()) << smi;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_FALSE(std::isinf(values[i])) << smi << " " << descriptor_names()[i] << ": infinities must become NaN";
    }
  }
}

TEST(Descriptors, ExactMolWeightOfWater) {
  const int i = index_of("exactmw");
  ASSERT_GE(i, 0) << "no descriptor named exactmw";
  auto water = mol_of("O");
  ASSERT_TRUE(water);
  EXPECT_NEAR(compute_descriptors(*water)[i], 18.01, 0.01);
  // Adding a CH2 adds ~14.016 to the exact mass: methanol − water, ethanol − methanol.
  auto methanol = mol_of("CO");
  auto ethanol = mol_of("CCO");
  ASSERT_TRUE(methanol && ethanol);
  EXPECT_NEAR(compute_descriptors(*ethanol)[i] - compute_descriptors(*methanol)[i], 14.016, 0.01);
}

TEST(Descriptors, CountsAgreeWithTheMolecule) {
  const int heavy = index_of("NumHeavyAtoms");
  const int rings = index_of("NumRings");
  const int arom = index_of("NumAromaticRings");
  for (const auto& smi : sample_smiles()) {
    auto mol = mol_of(smi);
    if (!mol) continue;
    const auto v = compute_descriptors(*mol);
    if (heavy >= 0) {
      EXPECT_EQ(v[heavy], static_cast<float>(mol->getNumHeavyAtoms())) << smi;
    }
    if (rings >= 0) {
      EXPECT_EQ(v[rings], static_cast<float>(mol->getRingInfo()->numRings())) << smi;
    }
    if (arom >= 0 && rings >= 0) {
      EXPECT_LE(v[arom], v[rings]) << smi;
    }
  }
}

// NaN exactly where RDKit's own value is not finite; elsewhere the float of RDKit's value.
TEST(Descriptors, NanOnlyWhereNotFinite) {
  RDKit::Descriptors::Properties props;
  for (const auto& smi : sample_smiles()) {
    auto mol = mol_of(smi);
    if (!mol) continue;
    const auto ours = compute_descriptors(*mol);
    const auto raw = props.computeProperties(*mol);
    ASSERT_EQ(ours.size(), raw.size()) << smi;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (std::isfinite(raw[i])) {
        EXPECT_FALSE(std::isnan(ours[i])) << smi << " " << descriptor_names()[i];
        EXPECT_FLOAT_EQ(ours[i], static_cast<float>(raw[i])) << smi << " " << descriptor_names()[i];
      } else {
        EXPECT_TRUE(std::isnan(ours[i])) << smi << " " << descriptor_names()[i];
      }
    }
  }
}

// Molecule-level descriptors do not depend on atom order.
TEST(Descriptors, SameForRandomisedSmiles) {
  RDKit::getRandomGenerator(99);
  for (const auto& smi : sample_smiles()) {
    auto mol = mol_of(smi);
    if (!mol) continue;
    const auto ref = compute_descriptors(*mol);
    for (int k = 0; k < 3; ++k) {
      const std::string r = RDKit::MolToSmiles(*mol, true, false, -1, false, false, false, true);
      auto other = mol_of(r);
      if (!other) continue;
      const auto v = compute_descriptors(*other);
      ASSERT_EQ(v.size(), ref.size());
      for (size_t i = 0; i < v.size(); ++i) {
        if (std::isnan(ref[i])) {
          EXPECT_TRUE(std::isnan(v[i])) << smi << " vs " << r << " " << descriptor_names()[i];
        } else {
          EXPECT_NEAR(v[i], ref[i], 1e-3 * std::max(1.0f, std::fabs(ref[i])))
              << smi << " vs " << r << " " << descriptor_names()[i];
        }
      }
    }
  }
}

// Computing from several threads at once gives the single-threaded values.
TEST(Descriptors, ThreadSafe) {
  std::vector<std::vector<float>> expected;
  for (const auto& smi : sample_smiles()) {
    ParsedMol p = parse_smiles(smi);
    ASSERT_TRUE(p.ok());
    expected.push_back(compute_descriptors(*p.mol));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int it = 0; it < 20; ++it) {
        for (size_t m = t % 2; m < sample_smiles().size(); m += 2) {
          ParsedMol p = parse_smiles(sample_smiles()[m]);  // each thread its own molecule
          const auto v = compute_descriptors(*p.mol);
          bool same = v.size() == expected[m].size();
          for (size_t i = 0; same && i < v.size(); ++i) same = same_float(v[i], expected[m][i]);
          if (!same) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace molprop::chem

// ---- named descriptor sets (rdkit2d-v1, rdkit2d-v2) and atom-level targets ----

namespace molprop::chem {
namespace {

int index_in(const DescriptorSet& set, const std::string& name) {
  const auto it = std::find(set.names.begin(), set.names.end(), name);
  return it == set.names.end() ? -1 : static_cast<int>(it - set.names.begin());
}

// Value of `name` in `set` for `smiles` (the test fails if either is unknown).
float value_of(const DescriptorSet& set, const std::string& smiles, const std::string& name) {
  const int i = index_in(set, name);
  EXPECT_GE(i, 0) << "no descriptor " << name << " in " << set.name;
  auto mol = mol_of(smiles);
  if (i < 0 || !mol) return std::nanf("");
  return set.compute(*mol)[i];
}

TEST(DescriptorSets, V1IsTheRegistrySetAndTheDefault) {
  EXPECT_STREQ(kDefaultDescriptorSet, "rdkit2d-v1");
  const DescriptorSet& v1 = descriptor_set("rdkit2d-v1");
  EXPECT_EQ(v1.names, descriptor_names());
  EXPECT_EQ(v1.names.size(), 43u) << "RDKit 2022.09's descriptor registry holds 43 properties";
  auto mol = mol_of("CC(=O)Oc1ccccc1C(=O)O");
  ASSERT_TRUE(mol);
  const auto a = v1.compute(*mol), b = compute_descriptors(*mol);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same_float(a[i], b[i])) << v1.names[i];
}

// The golden layout of rdkit2d-v2: its width and the names at the group boundaries. A
// change here changes what stored datasets and pretrained checkpoints mean: make it a new set.
TEST(DescriptorSets, V2WidthAndNamesAreStable) {
  const DescriptorSet& v2 = descriptor_set("rdkit2d-v2");
  ASSERT_EQ(v2.names.size(), 332u);  // 43 + 42 MQN + 12 + 10 + 14 VSA + 8 BCUT2D + 192 AUTOCORR2D + 11
  const auto& v1 = descriptor_names();
  EXPECT_TRUE(std::equal(v1.begin(), v1.end(), v2.names.begin())) << "rdkit2d-v2 starts with rdkit2d-v1";
  EXPECT_EQ(v2.names[43], "MQN1");
  EXPECT_EQ(v2.names[84], "MQN42");
  EXPECT_EQ(v2.names[85], "SlogP_VSA1");
  EXPECT_EQ(v2.names[97], "SMR_VSA1");
  EXPECT_EQ(v2.names[107], "PEOE_VSA1");
  EXPECT_EQ(v2.names[121], "BCUT2D_MWHI");
  EXPECT_EQ(v2.names[129], "AUTOCORR2D_1");
  EXPECT_EQ(v2.names[320], "AUTOCORR2D_192");
  EXPECT_EQ(v2.names[321], "TotalHCount");
  EXPECT_EQ(v2.names.back(), "GasteigerChargeAbsMean");
  std::set<std::string> seen(v2.names.begin(), v2.names.end());
  EXPECT_EQ(seen.size(), v2.names.size()) << "duplicate names in rdkit2d-v2";
}

TEST(DescriptorSets, LookupByNameAndByStoredNames) {
  EXPECT_EQ(descriptor_set_names(), (std::vector<std::string>{"rdkit2d-v1", "rdkit2d-v2"}));
  EXPECT_EQ(descriptor_set_for(descriptor_names()), "rdkit2d-v1");
  EXPECT_EQ(descriptor_set_for(descriptor_set("rdkit2d-v2").names), "rdkit2d-v2");
  EXPECT_EQ(descriptor_set_for({"MolWt", "nonsense"}), "");
  EXPECT_EQ(descriptor_set_for({}), "");
  try {
    descriptor_set("rdkit3d");
    FAIL() << "an unknown set must throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown descriptor set 'rdkit3d'"), std::string::npos) << what;
    EXPECT_NE(what.find("rdkit2d-v1, rdkit2d-v2"), std::string::npos) << what;
  }
}

TEST(DescriptorSets, V2ValuesForEthanolAndBenzene) {
  const DescriptorSet& v2 = descriptor_set("rdkit2d-v2");
  EXPECT_EQ(value_of(v2, "CCO", "MQN1"), 2.0f);  // MQN1: carbon atoms
  EXPECT_EQ(value_of(v2, "c1ccccc1", "MQN1"), 6.0f);
  EXPECT_EQ(value_of(v2, "CCO", "TotalHCount"), 6.0f);
  EXPECT_EQ(value_of(v2, "c1ccccc1", "TotalHCount"), 6.0f);
  EXPECT_EQ(value_of(v2, "CCO", "LargestRingSize"), 0.0f);
  EXPECT_EQ(value_of(v2, "c1ccccc1", "LargestRingSize"), 6.0f);
  EXPECT_EQ(value_of(v2, "C1CC1c1ccccc1", "SmallestRingSize"), 3.0f);
  EXPECT_EQ(value_of(v2, "CCO", "NumFragments"), 1.0f);
  // Benzene's six carbons are equivalent: its Gasteiger charges are all equal.
  EXPECT_NEAR(value_of(v2, "c1ccccc1", "GasteigerChargeMax"), value_of(v2, "c1ccccc1", "GasteigerChargeMin"), 1e-6);
  EXPECT_LT(value_of(v2, "CCO", "GasteigerChargeMin"), -0.3f);  // the hydroxyl oxygen
  // BCUT2D mass eigenvalues bracket the heaviest and lightest heavy-atom masses loosely.
  EXPECT_GT(value_of(v2, "CCO", "BCUT2D_MWHI"), 15.9f);
  EXPECT_TRUE(std::isfinite(value_of(v2, "c1ccccc1", "AUTOCORR2D_1")));
  // Every heavy atom's Labute area falls in exactly one SlogP_VSA bin: the bins sum to the
  // atom-level Labute column (RDKit keeps the hydrogens' area apart, in labuteASA only).
  for (const char* smi : {"c1ccccc1", "CCO", "CC(=O)Oc1ccccc1C(=O)O"}) {
    auto mol = mol_of(smi);
    const auto v = v2.compute(*mol);
    const auto atoms = compute_atom_targets(*mol);
    double slogp_vsa = 0, smr_vsa = 0, labute_atoms = 0;
    for (int i = 85; i < 97; ++i) slogp_vsa += v[i];
    for (int i = 97; i < 107; ++i) smr_vsa += v[i];
    for (size_t a = 0; a < mol->getNumAtoms(); ++a) labute_atoms += atoms[a * kNumAtomTargets + 4];
    EXPECT_NEAR(slogp_vsa, labute_atoms, 1e-3) << smi;
    EXPECT_NEAR(smr_vsa, labute_atoms, 1e-3) << smi;
    EXPECT_LT(labute_atoms, v[index_in(v2, "labuteASA")]) << smi;
  }
}

TEST(DescriptorSets, SaltsAndIonsAreCounted) {
  const DescriptorSet& v2 = descriptor_set("rdkit2d-v2");
  EXPECT_EQ(value_of(v2, "[Na+].[Cl-]", "NumFragments"), 2.0f);
  EXPECT_EQ(value_of(v2, "[Na+].[Cl-]", "NetFormalCharge"), 0.0f);
  EXPECT_EQ(value_of(v2, "[Na+].[Cl-]", "AbsFormalChargeSum"), 2.0f);
  EXPECT_EQ(value_of(v2, "[Na+].[Cl-]", "NumChargedAtoms"), 2.0f);
  EXPECT_EQ(value_of(v2, "[Na+].[Cl-]", "NumMetalAtoms"), 1.0f);
  EXPECT_EQ(value_of(v2, "[Fe+3]", "NetFormalCharge"), 3.0f);
}

// Odd molecules (no ring, no carbon, one atom, ions, metals, H2, water, noble gases) give
// one value per name, never an infinity, and never throw; every value of rdkit2d-v2 that
// RDKit can compute for an ordinary drug is finite.
TEST(DescriptorSets, OddMoleculesGiveValuesOrNaNNeverThrow) {
  const DescriptorSet& v2 = descriptor_set("rdkit2d-v2");
  std::vector<std::string> odd = sample_smiles();
  for (const char* s : {"N", "[He]", "[Cl-]", "[NH4+]", "O=C=O", "[U]", "[Cu+2].[O-]S(=O)(=O)[O-]", "[Pt](Cl)(Cl)(N)N",
                        "[Li]", "B", "[SiH4]", "C#C", "[Xe]"}) {
    odd.push_back(s);
  }
  for (const auto& smi : odd) {
    auto mol = mol_of(smi);
    if (!mol) continue;
    std::vector<float> v;
    ASSERT_NO_THROW(v = v2.compute(*mol)) << smi;
    ASSERT_EQ(v.size(), v2.names.size()) << smi;
    for (size_t i = 0; i < v.size(); ++i) EXPECT_FALSE(std::isinf(v[i])) << smi << " " << v2.names[i];
    // The counts never fail.
    EXPECT_FALSE(std::isnan(v[index_in(v2, "MQN1")])) << smi;
    EXPECT_FALSE(std::isnan(v[index_in(v2, "NumFragments")])) << smi;
  }
  auto drug = mol_of("CC(C)Cc1ccc(cc1)C(C)C(=O)O");
  const auto v = v2.compute(*drug);
  for (size_t i = 0; i < v.size(); ++i) EXPECT_TRUE(std::isfinite(v[i])) << "ibuprofen " << v2.names[i];
}

// Single atoms and molecules without carbon: the graph has one (or few) atoms and the
// groups that need bonds (BCUT2D, AUTOCORR2D) still answer with values or NaN.
TEST(DescriptorSets, SingleAtomsAndNoCarbon) {
  const DescriptorSet& v2 = descriptor_set("rdkit2d-v2");
  for (const char* smi : {"O", "N", "[Na+]", "C", "[H][H]"}) {
    EXPECT_EQ(value_of(v2, smi, "LargestRingSize"), 0.0f) << smi;
    EXPECT_EQ(value_of(v2, smi, "NumFragments"), 1.0f) << smi;
  }
  EXPECT_EQ(value_of(v2, "O", "MQN1"), 0.0f);
  EXPECT_EQ(value_of(v2, "O", "TotalHCount"), 2.0f);
  EXPECT_EQ(value_of(v2, "N", "TotalHCount"), 3.0f);
}

TEST(DescriptorSets, V2ThreadSafe) {
  const DescriptorSet& v2 = descriptor_set("rdkit2d-v2");
  std::vector<std::vector<float>> expected;
  for (const auto& smi : sample_smiles()) expected.push_back(v2.compute(*mol_of(smi)));
  std::vector<int> mismatches(3, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int it = 0; it < 5; ++it) {
        for (size_t m = 0; m < sample_smiles().size(); ++m) {
          ParsedMol p = parse_smiles(sample_smiles()[m]);
          const auto v = v2.compute(*p.mol);
          bool same = v.size() == expected[m].size();
          for (size_t i = 0; same && i < v.size(); ++i) same = same_float(v[i], expected[m][i]);
          if (!same) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 3; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(AtomTargets, NamesAndShape) {
  EXPECT_EQ(atom_target_names(),
            (std::vector<std::string>{"crippen_logp", "crippen_mr", "gasteiger_charge", "tpsa", "labute_asa"}));
  EXPECT_EQ(static_cast<int>(atom_target_names().size()), kNumAtomTargets);
  std::vector<std::string> all = sample_smiles();
  all.push_back("[Pt](Cl)(Cl)(N)N");
  for (const auto& smi : all) {
    auto mol = mol_of(smi);
    if (!mol) continue;
    std::vector<float> t;
    ASSERT_NO_THROW(t = compute_atom_targets(*mol)) << smi;
    EXPECT_EQ(t.size(), mol->getNumAtoms() * static_cast<size_t>(kNumAtomTargets)) << smi;
    for (float x : t) EXPECT_FALSE(std::isinf(x)) << smi;
  }
}

// The Crippen columns hold each heavy atom's contribution plus its hydrogens', so they sum
// to RDKit's molecular logP and MR; the TPSA column sums to the TPSA.
TEST(AtomTargets, ContributionsSumToTheMoleculeValues) {
  const int logp = index_of("CrippenClogP"), mr = index_of("CrippenMR"), tpsa = index_of("tpsa");
  ASSERT_GE(logp, 0);
  ASSERT_GE(mr, 0);
  ASSERT_GE(tpsa, 0);
  for (const char* smi : {"CCO", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O", "Cn1cnc2c1c(=O)n(C)c(=O)n2C", "O", "[NH4+]",
                          "NS(=O)(=O)c1ccc(N)cc1"}) {
    auto mol = mol_of(smi);
    ASSERT_TRUE(mol);
    const auto mol_values = compute_descriptors(*mol);
    const auto t = compute_atom_targets(*mol);
    double sum_logp = 0, sum_mr = 0, sum_tpsa = 0;
    for (size_t a = 0; a < mol->getNumAtoms(); ++a) {
      sum_logp += t[a * kNumAtomTargets + 0];
      sum_mr += t[a * kNumAtomTargets + 1];
      sum_tpsa += t[a * kNumAtomTargets + 3];
    }
    EXPECT_NEAR(sum_logp, mol_values[logp], 1e-3) << smi;
    EXPECT_NEAR(sum_mr, mol_values[mr], 1e-3) << smi;
    EXPECT_NEAR(sum_tpsa, mol_values[tpsa], 1e-3) << smi;
  }
}

TEST(AtomTargets, EthanolValues) {
  auto mol = mol_of("CCO");
  const auto t = compute_atom_targets(*mol);
  ASSERT_EQ(t.size(), 15u);
  // Only the oxygen has a polar surface (hydroxyl: 20.23 Å²).
  EXPECT_EQ(t[0 * 5 + 3], 0.0f);
  EXPECT_EQ(t[1 * 5 + 3], 0.0f);
  EXPECT_NEAR(t[2 * 5 + 3], 20.23f, 0.01f);
  // The oxygen carries the most negative Gasteiger charge; every Labute area is > 0.
  EXPECT_LT(t[2 * 5 + 2], t[0 * 5 + 2]);
  EXPECT_LT(t[2 * 5 + 2], t[1 * 5 + 2]);
  for (int a = 0; a < 3; ++a) EXPECT_GT(t[a * 5 + 4], 0.0f);
}

}  // namespace
}  // namespace molprop::chem
