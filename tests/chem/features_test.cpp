// Tests for chem/features.h: the categorical vocabulary and the per-atom / per-bond
// category indices. Invariants, not golden feature vectors: every index is inside its
// spec's cardinality, values outside the vocabulary land on the last ("other") index,
// and flags follow the chemistry (aromatic benzene, acyclic hexane, R/S, E/Z).
#include "chem/features.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "chem/parse.h"

namespace molprop::chem {
namespace {

// Feature positions, in atom_feature_specs() / bond_feature_specs() order.
enum AtomF {
  kAtomicNum,
  kDegree,
  kFormalCharge,
  kChirality,
  kTotalNumHs,
  kHybridization,
  kAromatic,
  kAtomInRing,
  kRadicals
};
enum BondF { kBondType, kStereo, kConjugated, kBondInRing };

std::unique_ptr<RDKit::ROMol> parse_or_die(const std::string& smiles) {
  ParsedMol p = parse_smiles(smiles);
  EXPECT_TRUE(p.ok()) << smiles << ": " << p.error;
  return std::move(p.mol);
}

std::array<uint8_t, kNumAtomFeatures> atom_row(const RDKit::Atom& atom) {
  std::array<uint8_t, kNumAtomFeatures> row{};
  row.fill(0xFF);
  atom_features(atom, row.data());
  return row;
}

std::array<uint8_t, kNumBondFeatures> bond_row(const RDKit::Bond& bond) {
  std::array<uint8_t, kNumBondFeatures> row{};
  row.fill(0xFF);
  bond_features(bond, row.data());
  return row;
}

int other_index(const FeatureSpec& spec) { return spec.cardinality - 1; }

// Diverse molecules that exercise many categories: charges, radicals, hypervalent
// atoms, metals, stereo, aromatic heterocycles, isotopes, explicit H.
const std::vector<std::string>& diverse_smiles() {
  static const std::vector<std::string> v = {
      "C",
      "[H][H]",
      "[Na+]",
      "[Cl-]",
      "O",
      "N",
      "C#N",
      "C=C",
      "C#C",
      "CCO",
      "c1ccccc1",
      "CCCCCC",
      "c1ccncc1",
      "c1cc[nH]c1",
      "c1ccsc1",
      "c1c[nH]cn1",
      "C[C@H](N)C(=O)O",
      "C[C@@H](N)C(=O)O",
      "C/C=C/C",
      "C/C=C\\C",
      "C[N+](=O)[O-]",
      "CS(=O)(=O)N",
      "F[P-](F)(F)(F)(F)F",
      "FS(F)(F)(F)(F)F",
      "FP(F)(F)(F)F",
      "[Fe+3]",
      "[Fe+2]",
      "[O-2]",
      "[N-3]",
      "[CH2]",
      "[CH3]",
      "[C]",
      "[SH6]",
      "[Og]",
      "[Lv]",
      "[U]",
      "[2H]C([2H])([2H])[2H]",
      "C[W](C)(C)(C)(C)(C)C",
      "[Na+].[O-]C(=O)c1ccccc1",
      "c1ccc2c(c1)ccc1ccccc12",
      "C1CCCCCCCCCCC1",
      "O=C1c2ccccc2C(=O)c2ccccc21",
      "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
      "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
      "[NH4+]",
      "[BH4-]",
      "B(F)(F)F",
      "[Si](C)(C)(C)C",
      "CC(=O)Oc1ccccc1C(=O)O",
      "Clc1ccc(Cl)cc1",
      "Brc1ccccc1I",
      "[Se]1C=CC=C1",
  };
  return v;
}

TEST(FeatureSpecs, CountsAndNames) {
  const auto& atoms = atom_feature_specs();
  const auto& bonds = bond_feature_specs();
  EXPECT_EQ(atoms.size(), static_cast<size_t>(kNumAtomFeatures));
  EXPECT_EQ(bonds.size(), static_cast<size_t>(kNumBondFeatures));
  std::set<std::string> names;
  for (const auto& s : atoms) {
    ASSERT_NE(s.name, nullptr);
    EXPECT_GE(s.cardinality, 2) << s.name;
    EXPECT_LE(s.cardinality, 256) << s.name << " does not fit a uint8 index";
    EXPECT_TRUE(names.insert(std::string("atom.") + s.name).second) << s.name;
  }
  for (const auto& s : bonds) {
    ASSERT_NE(s.name, nullptr);
    EXPECT_GE(s.cardinality, 2) << s.name;
    EXPECT_LE(s.cardinality, 256) << s.name;
    EXPECT_TRUE(names.insert(std::string("bond.") + s.name).second) << s.name;
  }
  // Positions the rest of this file relies on.
  EXPECT_STREQ(atoms[kAtomicNum].name, "atomic_num");
  EXPECT_STREQ(atoms[kChirality].name, "chirality");
  EXPECT_STREQ(atoms[kAromatic].name, "aromatic");
  EXPECT_STREQ(atoms[kAtomInRing].name, "in_ring");
  EXPECT_STREQ(bonds[kBondType].name, "bond_type");
  EXPECT_STREQ(bonds[kStereo].name, "stereo");
}

// The cardinality documented in features.h: value ranges plus one "other".
TEST(FeatureSpecs, CardinalitiesMatchDocumentedRanges) {
  const auto& a = atom_feature_specs();
  EXPECT_EQ(a[kAtomicNum].cardinality, 100 + 1);    // 1..100, other
  EXPECT_EQ(a[kDegree].cardinality, 7 + 1);         // 0..6, other
  EXPECT_EQ(a[kFormalCharge].cardinality, 5 + 1);   // -2..2, other
  EXPECT_EQ(a[kChirality].cardinality, 3 + 1);      // none, R, S, other
  EXPECT_EQ(a[kTotalNumHs].cardinality, 5 + 1);     // 0..4, other
  EXPECT_EQ(a[kHybridization].cardinality, 6 + 1);  // S..SP3D2, other
  EXPECT_EQ(a[kAromatic].cardinality, 2);
  EXPECT_EQ(a[kAtomInRing].cardinality, 2);
  EXPECT_EQ(a[kRadicals].cardinality, 3 + 1);  // 0..2, other
  const auto& b = bond_feature_specs();
  EXPECT_EQ(b[kBondType].cardinality, 4 + 1);
  EXPECT_EQ(b[kStereo].cardinality, 6 + 1);
  EXPECT_EQ(b[kConjugated].cardinality, 2);
  EXPECT_EQ(b[kBondInRing].cardinality, 2);
}

void expect_indices_in_range(const RDKit::ROMol& mol, const std::string& smiles,
                             std::vector<std::set<int>>* seen_atom = nullptr) {
  const auto& aspecs = atom_feature_specs();
  const auto& bspecs = bond_feature_specs();
  for (const auto* atom : mol.atoms()) {
    const auto row = atom_row(*atom);
    for (int f = 0; f < kNumAtomFeatures; ++f) {
      EXPECT_LT(row[f], aspecs[f].cardinality) << smiles << " atom " << atom->getIdx() << " feature " << aspecs[f].name;
      if (seen_atom) (*seen_atom)[f].insert(row[f]);
    }
  }
  for (const auto* bond : mol.bonds()) {
    const auto row = bond_row(*bond);
    for (int f = 0; f < kNumBondFeatures; ++f) {
      EXPECT_LT(row[f], bspecs[f].cardinality) << smiles << " bond " << bond->getIdx() << " feature " << bspecs[f].name;
    }
  }
}

TEST(AtomFeatures, EveryIndexBelowCardinalityDiverse) {
  std::vector<std::set<int>> seen(kNumAtomFeatures);
  for (const auto& smi : diverse_smiles()) {
    auto mol = parse_or_die(smi);
    if (!mol) continue;
    expect_indices_in_range(*mol, smi, &seen);
  }
  // The diverse list reaches the "other" index of the features it was built for.
  const auto& specs = atom_feature_specs();
  for (int f : {kAtomicNum, kDegree, kFormalCharge, kTotalNumHs, kRadicals}) {
    EXPECT_TRUE(seen[f].count(other_index(specs[f]))) << specs[f].name;
  }
}

TEST(AtomFeatures, EveryIndexBelowCardinalityEsol) {
  const std::string path = std::string(MOLPROP_SHARED_DATA_DIR) + "/esol.csv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << path << " not found";
  std::string line;
  std::getline(in, line);  // header: smiles,logS
  int n = 0;
  while (std::getline(in, line)) {
    const std::string smi = line.substr(0, line.find(','));
    ParsedMol p = parse_smiles(smi);
    if (!p.ok()) continue;
    expect_indices_in_range(*p.mol, smi);
    ++n;
  }
  EXPECT_GT(n, 100);
}

int atom_feature_of(const std::string& smiles, int atom_idx, int feature) {
  auto mol = parse_or_die(smiles);
  if (!mol) return -1;
  EXPECT_LT(atom_idx, static_cast<int>(mol->getNumAtoms())) << smiles;
  return atom_row(*mol->getAtomWithIdx(atom_idx))[feature];
}

TEST(AtomFeatures, AtomicNumberIndexAndOther) {
  EXPECT_EQ(atom_feature_of("[H][H]", 0, kAtomicNum), 0);  // H → index 0
  EXPECT_EQ(atom_feature_of("C", 0, kAtomicNum), 5);       // atomic number - 1
  EXPECT_EQ(atom_feature_of("[Fm]", 0, kAtomicNum), 99);   // Z = 100, last in vocabulary
  const int other = other_index(atom_feature_specs()[kAtomicNum]);
  EXPECT_EQ(other, 100);
  EXPECT_EQ(atom_feature_of("[Md]", 0, kAtomicNum), other);  // Z = 101
  EXPECT_EQ(atom_feature_of("[Lv]", 0, kAtomicNum), other);  // Z = 116
  EXPECT_EQ(atom_feature_of("[Og]", 0, kAtomicNum), other);  // Z = 118
}

TEST(AtomFeatures, DummyAtomMapsToOther) {
  // A '*' has atomic number 0, below the vocabulary: "other", not a wrapped index.
  EXPECT_EQ(atom_feature_of("*C", 0, kAtomicNum), other_index(atom_feature_specs()[kAtomicNum]));
}

TEST(AtomFeatures, FormalChargeIndexAndOther) {
  const int other = other_index(atom_feature_specs()[kFormalCharge]);
  EXPECT_EQ(other, 5);
  EXPECT_EQ(atom_feature_of("[O-2]", 0, kFormalCharge), 0);
  EXPECT_EQ(atom_feature_of("[Cl-]", 0, kFormalCharge), 1);
  EXPECT_EQ(atom_feature_of("C", 0, kFormalCharge), 2);
  EXPECT_EQ(atom_feature_of("[Na+]", 0, kFormalCharge), 3);
  EXPECT_EQ(atom_feature_of("[Fe+2]", 0, kFormalCharge), 4);
  EXPECT_EQ(atom_feature_of("[Fe+3]", 0, kFormalCharge), other);
  EXPECT_EQ(atom_feature_of("[N-3]", 0, kFormalCharge), other);
}

TEST(AtomFeatures, DegreeIndexAndOther) {
  const int other = other_index(atom_feature_specs()[kDegree]);
  EXPECT_EQ(other, 7);
  EXPECT_EQ(atom_feature_of("C", 0, kDegree), 0);
  EXPECT_EQ(atom_feature_of("CC(C)(C)C", 1, kDegree), 4);
  EXPECT_EQ(atom_feature_of("FS(F)(F)(F)(F)F", 1, kDegree), 6);
  // Tungsten has no fixed valence in RDKit, so a 7-coordinate W sanitises.
  EXPECT_EQ(atom_feature_of("C[W](C)(C)(C)(C)(C)C", 1, kDegree), other);
}

TEST(AtomFeatures, TotalHsAndRadicalsOther) {
  EXPECT_EQ(atom_feature_of("C", 0, kTotalNumHs), 4);
  EXPECT_EQ(atom_feature_of("[SH6]", 0, kTotalNumHs), other_index(atom_feature_specs()[kTotalNumHs]));
  EXPECT_EQ(atom_feature_of("C", 0, kRadicals), 0);
  EXPECT_EQ(atom_feature_of("[CH3]", 0, kRadicals), 1);
  EXPECT_EQ(atom_feature_of("[CH2]", 0, kRadicals), 2);
  EXPECT_EQ(atom_feature_of("[C]", 0, kRadicals), other_index(atom_feature_specs()[kRadicals]));
}

TEST(AtomFeatures, HybridizationCategories) {
  EXPECT_EQ(atom_feature_of("C#C", 0, kHybridization), 1);              // SP
  EXPECT_EQ(atom_feature_of("C=C", 0, kHybridization), 2);              // SP2
  EXPECT_EQ(atom_feature_of("CC", 0, kHybridization), 3);               // SP3
  EXPECT_EQ(atom_feature_of("FP(F)(F)(F)F", 1, kHybridization), 4);     // SP3D
  EXPECT_EQ(atom_feature_of("FS(F)(F)(F)(F)F", 1, kHybridization), 5);  // SP3D2
}

// Atoms built without sanitisation keep RDKit's UNSPECIFIED hybridisation: "other".
TEST(AtomFeatures, UnspecifiedHybridizationIsOther) {
  std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol("CC", 0, /*sanitize=*/false));
  ASSERT_TRUE(mol);
  mol->updatePropertyCache(false);
  RDKit::MolOps::findSSSR(*mol);
  EXPECT_EQ(atom_row(*mol->getAtomWithIdx(0))[kHybridization], other_index(atom_feature_specs()[kHybridization]));
}

TEST(AtomFeatures, AromaticAndRingFlags) {
  auto benzene = parse_or_die("c1ccccc1");
  auto hexane = parse_or_die("CCCCCC");
  auto cyclohexane = parse_or_die("C1CCCCC1");
  ASSERT_TRUE(benzene && hexane && cyclohexane);
  for (const auto* a : benzene->atoms()) {
    EXPECT_EQ(atom_row(*a)[kAromatic], 1);
    EXPECT_EQ(atom_row(*a)[kAtomInRing], 1);
  }
  for (const auto* a : hexane->atoms()) {
    EXPECT_EQ(atom_row(*a)[kAromatic], 0);
    EXPECT_EQ(atom_row(*a)[kAtomInRing], 0);
  }
  for (const auto* a : cyclohexane->atoms()) {
    EXPECT_EQ(atom_row(*a)[kAromatic], 0);
    EXPECT_EQ(atom_row(*a)[kAtomInRing], 1);
  }
  for (const auto* b : benzene->bonds()) {
    EXPECT_EQ(bond_row(*b)[kBondType], 3);  // aromatic
    EXPECT_EQ(bond_row(*b)[kConjugated], 1);
    EXPECT_EQ(bond_row(*b)[kBondInRing], 1);
  }
  for (const auto* b : hexane->bonds()) {
    EXPECT_EQ(bond_row(*b)[kBondType], 0);  // single
    EXPECT_EQ(bond_row(*b)[kBondInRing], 0);
  }
  // Toluene: the methyl is not in the ring, the ring atoms are.
  auto toluene = parse_or_die("Cc1ccccc1");
  ASSERT_TRUE(toluene);
  EXPECT_EQ(atom_row(*toluene->getAtomWithIdx(0))[kAtomInRing], 0);
  EXPECT_EQ(atom_row(*toluene->getAtomWithIdx(1))[kAtomInRing], 1);
  EXPECT_EQ(bond_row(*toluene->getBondBetweenAtoms(0, 1))[kBondInRing], 0);
}

TEST(AtomFeatures, ChiralityRSAndNone) {
  // L-alanine is (S); written C[C@H](N)C(=O)O. Its enantiomer (R) flips @ to @@.
  const int s = atom_feature_of("C[C@H](N)C(=O)O", 1, kChirality);
  const int r = atom_feature_of("C[C@@H](N)C(=O)O", 1, kChirality);
  EXPECT_EQ(s, 2) << "L-alanine should be S";
  EXPECT_EQ(r, 1) << "D-alanine should be R";
  EXPECT_NE(r, s);
  // Same (S) stereocentre written from another atom: same label.
  EXPECT_EQ(atom_feature_of("N[C@@H](C)C(=O)O", 1, kChirality), s);
  EXPECT_EQ(atom_feature_of("OC(=O)[C@@H](N)C", 3, kChirality), s);
  // Unspecified centre and non-stereo atoms: 0.
  EXPECT_EQ(atom_feature_of("CC(N)C(=O)O", 1, kChirality), 0);
  for (int i : {0, 2, 3, 4, 5}) EXPECT_EQ(atom_feature_of("C[C@H](N)C(=O)O", i, kChirality), 0);
}

int bond_feature_of(const std::string& smiles, int a, int b, int feature) {
  auto mol = parse_or_die(smiles);
  if (!mol) return -1;
  const auto* bond = mol->getBondBetweenAtoms(a, b);
  EXPECT_NE(bond, nullptr) << smiles;
  if (!bond) return -1;
  return bond_row(*bond)[feature];
}

TEST(BondFeatures, StereoEAndZ) {
  const int e = bond_feature_of("C/C=C/C", 1, 2, kStereo);
  const int z = bond_feature_of("C/C=C\\C", 1, 2, kStereo);
  EXPECT_EQ(e, 3);  // STEREOE
  EXPECT_EQ(z, 2);  // STEREOZ
  // Written the other way round, trans is still E and cis still Z.
  EXPECT_EQ(bond_feature_of("C\\C=C\\C", 1, 2, kStereo), e);
  EXPECT_EQ(bond_feature_of("C\\C=C/C", 1, 2, kStereo), z);
  EXPECT_EQ(bond_feature_of("CC=CC", 1, 2, kStereo), 0);
  // Single bonds carry no stereo even when they carry a direction marker.
  EXPECT_EQ(bond_feature_of("C/C=C/C", 0, 1, kStereo), 0);
}

TEST(BondFeatures, BondTypesAndConjugation) {
  EXPECT_EQ(bond_feature_of("CC", 0, 1, kBondType), 0);
  EXPECT_EQ(bond_feature_of("C=C", 0, 1, kBondType), 1);
  EXPECT_EQ(bond_feature_of("C#C", 0, 1, kBondType), 2);
  EXPECT_EQ(bond_feature_of("c1ccccc1", 0, 1, kBondType), 3);
  EXPECT_EQ(bond_feature_of("CC", 0, 1, kConjugated), 0);
  EXPECT_EQ(bond_feature_of("C=CC=C", 1, 2, kConjugated), 1);
}

TEST(BondFeatures, UnusualBondTypeIsOther) {
  // A dative bond is outside {single, double, triple, aromatic}.
  auto mol = parse_or_die("[NH3]->[Fe]");
  ASSERT_TRUE(mol);
  ASSERT_EQ(mol->getNumBonds(), 1u);
  EXPECT_EQ(bond_row(*mol->getBondWithIdx(0))[kBondType], other_index(bond_feature_specs()[kBondType]));
}

TEST(BondFeatures, EveryIndexBelowCardinalityAndAllWritten) {
  for (const auto& smi : diverse_smiles()) {
    auto mol = parse_or_die(smi);
    if (!mol) continue;
    for (const auto* b : mol->bonds()) {
      const auto row = bond_row(*b);
      for (int f = 0; f < kNumBondFeatures; ++f) {
        EXPECT_NE(row[f], 0xFF) << smi << ": feature " << f << " not written";
      }
    }
  }
}

TEST(VocabularySignature, ContainsVersionAndEveryName) {
  const std::string sig = vocabulary_signature();
  const std::string prefix = "molprop-features-v" + std::to_string(kFeaturizerVersion);
  EXPECT_EQ(sig.rfind(prefix, 0), 0u) << sig;
  // The version is followed by a separator, not by more digits (v1 vs v12).
  ASSERT_GT(sig.size(), prefix.size());
  EXPECT_FALSE(std::isdigit(static_cast<unsigned char>(sig[prefix.size()]))) << sig;
  for (const auto& s : atom_feature_specs()) {
    EXPECT_NE(sig.find(std::string(s.name) + ":" + std::to_string(s.cardinality)), std::string::npos)
        << s.name << " missing from " << sig;
  }
  for (const auto& s : bond_feature_specs()) {
    EXPECT_NE(sig.find(std::string(s.name) + ":" + std::to_string(s.cardinality)), std::string::npos)
        << s.name << " missing from " << sig;
  }
  EXPECT_EQ(sig.find('\n'), std::string::npos) << "signature must be one line";
  EXPECT_EQ(sig, vocabulary_signature()) << "signature must be deterministic";
}

}  // namespace
}  // namespace molprop::chem
