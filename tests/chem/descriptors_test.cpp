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
