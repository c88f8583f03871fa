// Tests for chem/featurizer.h: graph shapes, the directed-edge pairing (reverse of e is
// e ^ 1), optional outputs, and the key property of a featuriser — the graph does not
// depend on how the molecule was written. The same molecule as canonical, randomised and
// Kekulé SMILES must give isomorphic graphs with identical atom and bond features.
#include "chem/featurizer.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/Substruct/SubstructMatch.h>
#include <RDGeneral/utils.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chem/descriptors.h"
#include "chem/parse.h"

namespace molprop::chem {
namespace {

using AtomRow = std::array<uint8_t, kNumAtomFeatures>;
using BondRow = std::array<uint8_t, kNumBondFeatures>;

AtomRow atom_row(const MolGraph& g, int atom) {
  AtomRow r{};
  std::copy_n(&g.atom_features[static_cast<size_t>(atom) * kNumAtomFeatures], kNumAtomFeatures, r.begin());
  return r;
}

BondRow bond_row(const MolGraph& g, int edge) {
  BondRow r{};
  std::copy_n(&g.bond_features[static_cast<size_t>(edge) * kNumBondFeatures], kNumBondFeatures, r.begin());
  return r;
}

int src(const MolGraph& g, int e) { return g.edge_index[2 * static_cast<size_t>(e)]; }
int dst(const MolGraph& g, int e) { return g.edge_index[2 * static_cast<size_t>(e) + 1]; }

std::string row_str(const uint8_t* row, int n) {
  std::ostringstream os;
  for (int i = 0; i < n; ++i) os << (i ? "," : "") << int(row[i]);
  return os.str();
}

// Shape and edge-pairing invariants of one graph against its RDKit molecule.
void expect_graph_consistent(const MolGraph& g, const RDKit::ROMol& mol, const std::string& smi) {
  ASSERT_EQ(g.num_atoms, static_cast<int32_t>(mol.getNumAtoms())) << smi;
  ASSERT_EQ(g.atom_features.size(), static_cast<size_t>(g.num_atoms) * kNumAtomFeatures) << smi;
  ASSERT_EQ(g.num_edges(), static_cast<int32_t>(2 * mol.getNumBonds())) << smi;
  ASSERT_EQ(g.edge_index.size(), 2 * static_cast<size_t>(g.num_edges())) << smi;
  ASSERT_EQ(g.bond_features.size(), static_cast<size_t>(g.num_edges()) * kNumBondFeatures) << smi;
  for (int e = 0; e < g.num_edges(); ++e) {
    const int r = reverse_edge(e);
    ASSERT_GE(r, 0) << smi;
    ASSERT_LT(r, g.num_edges()) << smi;
    EXPECT_NE(r, e) << smi;
    EXPECT_EQ(reverse_edge(r), e) << smi;
    EXPECT_EQ(src(g, r), dst(g, e)) << smi << " edge " << e;
    EXPECT_EQ(dst(g, r), src(g, e)) << smi << " edge " << e;
    EXPECT_GE(src(g, e), 0) << smi;
    EXPECT_LT(src(g, e), g.num_atoms) << smi;
    EXPECT_NE(src(g, e), dst(g, e)) << smi << " self loop at edge " << e;
    EXPECT_EQ(bond_row(g, e), bond_row(g, r)) << smi << " edge " << e;
    // The edge is a real bond of the molecule.
    EXPECT_NE(mol.getBondBetweenAtoms(src(g, e), dst(g, e)), nullptr) << smi << " edge " << e;
  }
  const auto& aspecs = atom_feature_specs();
  for (int a = 0; a < g.num_atoms; ++a) {
    for (int f = 0; f < kNumAtomFeatures; ++f) {
      EXPECT_LT(g.atom_features[a * kNumAtomFeatures + f], aspecs[f].cardinality) << smi;
    }
  }
  const auto& bspecs = bond_feature_specs();
  for (int e = 0; e < g.num_edges(); ++e) {
    for (int f = 0; f < kNumBondFeatures; ++f) {
      EXPECT_LT(g.bond_features[e * kNumBondFeatures + f], bspecs[f].cardinality) << smi;
    }
  }
}

TEST(Featurizer, ShapesMatchAtomAndBondCounts) {
  for (const char* smi :
       {"CCO", "c1ccccc1", "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "[Na+].[Cl-]", "C1CC2CCC1C2", "C#N", "O=[N+]([O-])c1ccccc1"}) {
    FeaturizedMol f = featurize_smiles(smi);
    ASSERT_TRUE(f.ok()) << smi << ": " << f.error;
    ParsedMol p = parse_smiles(smi);
    ASSERT_TRUE(p.ok());
    expect_graph_consistent(f.graph, *p.mol, smi);
    EXPECT_TRUE(f.descriptors.empty()) << smi;
    EXPECT_TRUE(f.scaffold.empty()) << smi;
  }
}

TEST(Featurizer, EdgesFollowBondsInOrder) {
  // Edge 2k is bond k as written (begin → end), edge 2k+1 its reverse.
  ParsedMol p = parse_smiles("CC(=O)Nc1ccccc1");
  ASSERT_TRUE(p.ok());
  MolGraph g = build_graph(*p.mol);
  for (const auto* bond : p.mol->bonds()) {
    const int k = static_cast<int>(bond->getIdx());
    EXPECT_EQ(src(g, 2 * k), static_cast<int>(bond->getBeginAtomIdx()));
    EXPECT_EQ(dst(g, 2 * k), static_cast<int>(bond->getEndAtomIdx()));
    BondRow expected{};
    bond_features(*bond, expected.data());
    EXPECT_EQ(bond_row(g, 2 * k), expected);
  }
  for (const auto* atom : p.mol->atoms()) {
    AtomRow expected{};
    atom_features(*atom, expected.data());
    EXPECT_EQ(atom_row(g, static_cast<int>(atom->getIdx())), expected);
  }
}

TEST(Featurizer, BuildGraphEqualsFeaturizeSmiles) {
  const char* smi = "C[C@H](N)C(=O)O";
  ParsedMol p = parse_smiles(smi);
  ASSERT_TRUE(p.ok());
  MolGraph a = build_graph(*p.mol);
  FeaturizedMol b = featurize_smiles(smi);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a.num_atoms, b.graph.num_atoms);
  EXPECT_EQ(a.atom_features, b.graph.atom_features);
  EXPECT_EQ(a.edge_index, b.graph.edge_index);
  EXPECT_EQ(a.bond_features, b.graph.bond_features);
}

TEST(Featurizer, FailedSmilesGivesErrorAndNoGraph) {
  for (const char* smi : {"C1CC", "xyz", "C(C)(C)(C)(C)C", "c1cccc1", ""}) {
    FeaturizeOptions opts;
    opts.descriptors = true;
    opts.scaffold = true;
    FeaturizedMol f = featurize_smiles(smi, opts);
    EXPECT_FALSE(f.ok()) << smi;
    EXPECT_FALSE(f.error.empty()) << smi;
    EXPECT_EQ(f.graph.num_atoms, 0) << smi;
    EXPECT_TRUE(f.graph.atom_features.empty()) << smi;
    EXPECT_TRUE(f.graph.edge_index.empty()) << smi;
    EXPECT_TRUE(f.graph.bond_features.empty()) << smi;
    EXPECT_TRUE(f.descriptors.empty()) << smi;
    EXPECT_TRUE(f.scaffold.empty()) << smi;
  }
}

TEST(Featurizer, DescriptorsAndScaffoldOnlyWhenRequested) {
  const char* smi = "CC(C)Cc1ccc(cc1)C(C)C(=O)O";
  FeaturizedMol none = featurize_smiles(smi);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.descriptors.empty());
  EXPECT_TRUE(none.scaffold.empty());

  FeaturizeOptions d;
  d.descriptors = true;
  FeaturizedMol with_d = featurize_smiles(smi, d);
  ASSERT_TRUE(with_d.ok()) << with_d.error;
  EXPECT_EQ(with_d.descriptors.size(), descriptor_names().size());
  EXPECT_FALSE(with_d.descriptors.empty());
  EXPECT_TRUE(with_d.scaffold.empty());

  FeaturizeOptions s;
  s.scaffold = true;
  FeaturizedMol with_s = featurize_smiles(smi, s);
  ASSERT_TRUE(with_s.ok()) << with_s.error;
  EXPECT_TRUE(with_s.descriptors.empty());
  EXPECT_EQ(with_s.scaffold, "c1ccccc1");

  // The graph does not change with the extra outputs.
  EXPECT_EQ(with_d.graph.atom_features, none.graph.atom_features);
  EXPECT_EQ(with_s.graph.edge_index, none.graph.edge_index);
}

TEST(Featurizer, StandardizeOption) {
  FeaturizeOptions opts;
  opts.standardize = true;
  FeaturizedMol salt = featurize_smiles("CC(=O)[O-].[Na+]", opts);
  FeaturizedMol acid = featurize_smiles("CC(=O)O");
  ASSERT_TRUE(salt.ok() && acid.ok()) << salt.error;
  EXPECT_EQ(salt.graph.num_atoms, 4);
  EXPECT_EQ(salt.graph.num_edges(), acid.graph.num_edges());
  FeaturizedMol raw = featurize_smiles("CC(=O)[O-].[Na+]");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.graph.num_atoms, 5);
}

// The standardised parent of a charged form is the neutral molecule exactly, descriptors
// included (the standardiser's own molecule kept explicit-H counts that moved some RDKit
// descriptors: the default model predicted ibuprofen's carboxylate 4.9 °C from the acid).
TEST(Featurizer, StandardizedParentHasTheNeutralMoleculesDescriptors) {
  FeaturizeOptions opts;
  opts.standardize = true;
  opts.descriptors = true;
  for (const auto& [charged, neutral] : std::vector<std::pair<std::string, std::string>>{
           {"CC(C)Cc1ccc(C(C)C(=O)[O-])cc1", "CC(C)Cc1ccc(C(C)C(=O)O)cc1"},
           {"CC(C)[NH2+]CC(O)COc1cccc2ccccc12", "CC(C)NCC(O)COc1cccc2ccccc12"},
           {"CC(=O)[O-].[Na+]", "CC(=O)O"}}) {
    const FeaturizedMol a = featurize_smiles(charged, opts);
    const FeaturizedMol b = featurize_smiles(neutral, opts);
    ASSERT_TRUE(a.ok() && b.ok()) << charged << ": " << a.error << b.error;
    EXPECT_EQ(a.graph.atom_features, b.graph.atom_features) << charged;
    EXPECT_EQ(a.descriptors, b.descriptors) << charged;
  }
}

TEST(Featurizer, DomainNotesNameSaltsMixturesAndUnknownElements) {
  FeaturizeOptions opts;
  opts.standardize = true;
  opts.domain_notes = true;
  opts.known_elements = {1, 6, 7, 8, 9, 15, 16, 17, 35, 53};
  EXPECT_EQ(featurize_smiles("CCO", opts).domain_note, "");
  EXPECT_EQ(featurize_smiles("CC(=O)[O-]", opts).domain_note, "");  // one component, charged
  const FeaturizedMol salt = featurize_smiles("CC(=O)[O-].[Na+]", opts);
  ASSERT_TRUE(salt.ok()) << salt.error;
  EXPECT_EQ(salt.domain_note, "2 components (salt, hydrate or mixture): predicted for the largest organic fragment, CC(=O)O");
  const FeaturizedMol hydrate = featurize_smiles("O.O.OC(=O)c1ccccc1", opts);
  EXPECT_EQ(hydrate.domain_note.substr(0, 13), "3 components ");
  EXPECT_EQ(featurize_smiles("C[Sn](C)(C)C", opts).domain_note, "contains Sn, an element the model was not trained on");
  const std::string both = featurize_smiles("C[Sn](C)(C)[Hg]C.Cl", opts).domain_note;
  EXPECT_EQ(both.rfind("2 components (salt, hydrate or mixture): predicted for the largest organic fragment, ", 0), 0u)
      << both;
  EXPECT_NE(both.find("; contains Hg, Sn, elements the model was not trained on"), std::string::npos) << both;
  // Without standardisation the note says the components were predicted as one graph.
  opts.standardize = false;
  EXPECT_EQ(featurize_smiles("CC(=O)[O-].[Na+]", opts).domain_note,
            "2 components (salt, hydrate or mixture): predicted for all of them as one graph; contains Na, an element "
            "the model was not trained on");
  // No notes unless asked for.
  EXPECT_EQ(featurize_smiles("CC(=O)[O-].[Na+]").domain_note, "");
  EXPECT_EQ(element_number("Cl"), 17);
  EXPECT_EQ(element_number("Xx"), 0);
  EXPECT_EQ(element_symbol(50), "Sn");
}

TEST(Featurizer, SingleAtomHasNoEdges) {
  for (const char* smi : {"C", "[Na+]", "O", "[Cl-]"}) {
    FeaturizedMol f = featurize_smiles(smi);
    ASSERT_TRUE(f.ok()) << smi << ": " << f.error;
    EXPECT_EQ(f.graph.num_atoms, 1) << smi;
    EXPECT_EQ(f.graph.num_edges(), 0) << smi;
    EXPECT_TRUE(f.graph.edge_index.empty()) << smi;
    EXPECT_TRUE(f.graph.bond_features.empty()) << smi;
    EXPECT_EQ(f.graph.atom_features.size(), static_cast<size_t>(kNumAtomFeatures)) << smi;
  }
  // Disconnected ions: atoms but still no edges.
  FeaturizedMol salt = featurize_smiles("[Na+].[Cl-]");
  ASSERT_TRUE(salt.ok());
  EXPECT_EQ(salt.graph.num_atoms, 2);
  EXPECT_EQ(salt.graph.num_edges(), 0);
}

// ---------------------------------------------------------------------------------------
// SMILES invariance.

// Describes the first difference between graph `a` and graph `b` under the atom mapping
// a_atom → b_atom (map[i] = atom of b for atom i of a); "" when they agree.
std::string diff_under_mapping(const MolGraph& a, const MolGraph& b, const std::vector<int>& map,
                               const RDKit::ROMol& mol_a) {
  const auto& aspecs = atom_feature_specs();
  const auto& bspecs = bond_feature_specs();
  for (int i = 0; i < a.num_atoms; ++i) {
    const AtomRow ra = atom_row(a, i), rb = atom_row(b, map[i]);
    for (int f = 0; f < kNumAtomFeatures; ++f) {
      if (ra[f] != rb[f]) {
        std::ostringstream os;
        os << "atom " << i << " (" << mol_a.getAtomWithIdx(i)->getSymbol() << ") feature " << aspecs[f].name << ": "
           << int(ra[f]) << " vs " << int(rb[f]) << " (rows " << row_str(ra.data(), kNumAtomFeatures) << " | "
           << row_str(rb.data(), kNumAtomFeatures) << ")";
        return os.str();
      }
    }
  }
  std::map<std::pair<int, int>, int> b_edges;
  for (int e = 0; e < b.num_edges(); ++e) b_edges[{src(b, e), dst(b, e)}] = e;
  for (int e = 0; e < a.num_edges(); ++e) {
    const auto it = b_edges.find({map[src(a, e)], map[dst(a, e)]});
    std::ostringstream os;
    os << "edge " << src(a, e) << "→" << dst(a, e) << " (" << mol_a.getAtomWithIdx(src(a, e))->getSymbol()
       << mol_a.getAtomWithIdx(dst(a, e))->getSymbol() << ")";
    if (it == b_edges.end()) return os.str() + " has no image";
    const BondRow ra = bond_row(a, e), rb = bond_row(b, it->second);
    for (int f = 0; f < kNumBondFeatures; ++f) {
      if (ra[f] != rb[f]) {
        os << " feature " << bspecs[f].name << ": " << int(ra[f]) << " vs " << int(rb[f]);
        return os.str();
      }
    }
  }
  return "";
}

template <typename Row>
std::vector<Row> sorted_rows(const std::vector<uint8_t>& flat) {
  constexpr size_t n = std::tuple_size<Row>::value;
  std::vector<Row> rows(flat.size() / n);
  for (size_t i = 0; i < rows.size(); ++i) std::copy_n(&flat[i * n], n, rows[i].begin());
  std::sort(rows.begin(), rows.end());
  return rows;
}

// "" when the graph of `variant` equals the graph of `reference` up to atom order.
std::string compare_featurizations(const std::string& reference, const std::string& variant) {
  FeaturizedMol fr = featurize_smiles(reference);
  FeaturizedMol fv = featurize_smiles(variant);
  if (!fr.ok()) return "reference failed: " + fr.error;
  if (!fv.ok()) return "variant failed: " + fv.error;
  ParsedMol pr = parse_smiles(reference);
  ParsedMol pv = parse_smiles(variant);
  if (!pr.ok() || !pv.ok()) return "parse_smiles disagrees with featurize_smiles";
  const MolGraph& a = fr.graph;
  const MolGraph& b = fv.graph;
  if (a.num_atoms != b.num_atoms) return "different atom counts";
  if (a.num_edges() != b.num_edges()) return "different edge counts";

  // Mapping-free check: equal multisets of atom rows and of bond rows.
  std::string multiset_diff;
  if (sorted_rows<AtomRow>(a.atom_features) != sorted_rows<AtomRow>(b.atom_features)) {
    multiset_diff = "multisets of atom feature rows differ; ";
  }
  if (sorted_rows<BondRow>(a.bond_features) != sorted_rows<BondRow>(b.bond_features)) {
    multiset_diff += "multisets of bond feature rows differ; ";
  }

  // Atom correspondence: reference atom i ↔ variant atom match[i].second. The first match
  // (useChirality=false) is tried first; a symmetric molecule may need another one.
  RDKit::SubstructMatchParameters params;
  params.useChirality = false;
  params.uniquify = false;
  params.maxMatches = 2000;
  // RDKit's atom match refuses a query atom in more SSSR rings than the target atom, and
  // for bridged systems the SSSR depends on atom order (the featuriser only uses "in any
  // ring", which does not). Match on copies without ring info.
  RDKit::RWMol query(*pr.mol), target(*pv.mol);
  query.getRingInfo()->reset();
  target.getRingInfo()->reset();
  const auto matches = RDKit::SubstructMatch(target, query, params);
  if (matches.empty()) return multiset_diff + "no substructure match between the two molecules";
  std::string first_diff;
  for (const auto& match : matches) {
    if (match.size() != static_cast<size_t>(a.num_atoms)) return "partial match";
    std::vector<int> map(a.num_atoms, -1);
    for (const auto& [q, t] : match) map[q] = t;
    std::string d = diff_under_mapping(a, b, map, *pr.mol);
    if (d.empty()) {
      // Check the other direction too: every edge of the variant has an image.
      std::vector<int> inv(a.num_atoms, -1);
      for (int i = 0; i < a.num_atoms; ++i) inv[map[i]] = i;
      d = diff_under_mapping(b, a, inv, *pv.mol);
    }
    if (d.empty()) return multiset_diff;
    if (first_diff.empty()) first_diff = d;
  }
  return multiset_diff + "no atom mapping preserves the features; first match: " + first_diff;
}

// The variants of one molecule: 5 randomised SMILES and a Kekulé SMILES.
std::vector<std::string> smiles_variants(const RDKit::ROMol& mol) {
  std::vector<std::string> out;
  for (int i = 0; i < 5; ++i) {
    out.push_back(RDKit::MolToSmiles(mol, /*doIsomericSmiles=*/true, /*doKekule=*/false,
                                     /*rootedAtAtom=*/-1, /*canonical=*/false,
                                     /*allBondsExplicit=*/false, /*allHsExplicit=*/false,
                                     /*doRandom=*/true));
  }
  RDKit::RWMol rw(mol);
  RDKit::MolOps::Kekulize(rw, /*markAtomsBonds=*/true);
  out.push_back(RDKit::MolToSmiles(rw, /*doIsomericSmiles=*/true, /*doKekule=*/true));
  return out;
}

const std::vector<std::string>& diverse_molecules() {
  static const std::vector<std::string> v = {
      "C[C@H](N)C(=O)O",    // L-alanine (S)
      "C[C@@H](N)C(=O)O",   // D-alanine (R)
      "CC[C@@H](C)O",       // 2-butanol
      "N[C@@H](CS)C(=O)O",  // L-cysteine (R)
      "C/C=C/C",            // E-2-butene
      "C/C=C\\C",           // Z-2-butene
      "F/C=C/Cl",
      "O=C(O)/C=C/c1ccccc1",  // cinnamic acid
      "CC/C=C\\C/C=C\\CC",
      "C[N+](C)(C)C",                              // charged atom
      "[NH3+][C@@H](Cc1c[nH]c2ccccc12)C(=O)[O-]",  // zwitterionic tryptophan
      "c1ccncc1",                                  // pyridine
      "c1cc[nH]c1",                                // pyrrole
      "c1ccsc1",                                   // thiophene
      "c1c[nH]cn1",                                // imidazole
      "c1ccoc1",                                   // furan
      "[O-][n+]1ccccc1",                           // pyridine N-oxide
      "c1ccc2ccccc2c1",                            // naphthalene
      "c1ccc2[nH]ccc2c1",                          // indole
      "c1ccc2c(c1)[nH]c1ccccc12",                  // carbazole
      "Cn1cnc2c1c(=O)n(C)c(=O)n2C",                // caffeine
      "C1CCCCCCCCCCC1",                            // macrocycle
      "C1CCCCC/C=C/CCCC1",                         // macrocycle, E ring bond
      "C[N+](=O)[O-]",                             // nitro
      "O=[N+]([O-])c1ccc(Cl)cc1",
      "CS(=O)(=O)Nc1ccccc1",                                           // sulfonamide
      "Nc1ccc(cc1)S(N)(=O)=O",                                         // sulfanilamide
      "[Na+].[O-]C(=O)c1ccccc1",                                       // salt
      "CC(C)Cc1ccc(cc1)[C@@H](C)C(=O)O",                               // (S)-ibuprofen
      "CC(=O)Oc1ccccc1C(=O)O",                                         // aspirin
      "OC[C@H]1O[C@@H](O)[C@H](O)[C@@H](O)[C@@H]1O",                   // glucose
      "C[C@]12CC[C@H]3[C@@H](CCC4=CC(=O)CC[C@]34C)[C@@H]1CC[C@@H]2O",  // testosterone
      "O=C(O)[C@@H](O)[C@@H](O)C(=O)O",                                // tartaric acid
      "O=C(O)[C@H](O)[C@@H](O)C(=O)O",                                 // meso-tartaric acid
      "C[C@H]1CC[C@@H](C)CC1",                                         // ring stereo, no CIP label
      "C[S@@](=O)c1ccccc1",                                            // chiral sulfoxide
      "Clc1ccc(cc1)C(c1ccc(Cl)cc1)C(Cl)(Cl)Cl",                        // DDT
      "C1=CC=CC=CC=C1",                                                // cyclooctatetraene
      "FC(F)(F)c1ccc(O)cc1",
      "C#CC(C)(O)C",
  };
  return v;
}

void check_invariance(const std::string& input, std::vector<std::string>* failures,
                      std::vector<std::string>* rdkit_changed) {
  ParsedMol p = parse_smiles(input);
  if (!p.ok()) {
    failures->push_back(input + ": does not parse: " + p.error);
    return;
  }
  const std::string canonical = canonical_smiles(*p.mol);
  // The input itself, then the variants, each against the canonical SMILES.
  std::vector<std::string> variants = smiles_variants(*p.mol);
  variants.insert(variants.begin(), input);
  for (const auto& v : variants) {
    // RDKit 2022.09's writer can emit a randomised SMILES that is a different molecule
    // (E/Z flipped on a double bond closed through a ring bond, e.g. E-cyclododecene
    // written as C1\CCCCCCCCCC/C=1, which parses as Z). The featuriser cannot be blamed
    // for that: such variants are reported, not compared.
    ParsedMol pv = parse_smiles(v);
    if (pv.ok() && canonical_smiles(*pv.mol) != canonical) {
      if (rdkit_changed) {
        rdkit_changed->push_back(canonical + " written as " + v + " reads back as " + canonical_smiles(*pv.mol));
      }
      continue;
    }
    const std::string d = compare_featurizations(canonical, v);
    if (!d.empty()) failures->push_back(canonical + " vs " + v + ": " + d);
  }
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

TEST(SmilesInvariance, DiverseMolecules) {
  RDKit::getRandomGenerator(20240601);  // reproducible random SMILES
  std::vector<std::string> failures;
  std::vector<std::string> rdkit_changed;
  for (const auto& smi : diverse_molecules()) check_invariance(smi, &failures, &rdkit_changed);
  if (!rdkit_changed.empty()) {
    std::cout << "note: RDKit wrote " << rdkit_changed.size()
              << " randomised SMILES that read back as another molecule (skipped):\n"
              << join(rdkit_changed);
  }
  EXPECT_TRUE(failures.empty()) << failures.size() << " SMILES give a different graph than the canonical one:\n"
                                << join(failures);
}

TEST(SmilesInvariance, GraphConsistentForVariants) {
  RDKit::getRandomGenerator(7);
  for (const auto& smi : diverse_molecules()) {
    ParsedMol p = parse_smiles(smi);
    ASSERT_TRUE(p.ok()) << smi;
    for (const auto& v : smiles_variants(*p.mol)) {
      FeaturizedMol f = featurize_smiles(v);
      ASSERT_TRUE(f.ok()) << v << ": " << f.error;
      ParsedMol pv = parse_smiles(v);
      ASSERT_TRUE(pv.ok());
      expect_graph_consistent(f.graph, *pv.mol, v);
    }
  }
}

TEST(SmilesInvariance, EsolFirst300) {
  const std::string path = std::string(MOLPROP_SHARED_DATA_DIR) + "/esol.csv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << path << " not found";
  RDKit::getRandomGenerator(12345);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::string> failures, rdkit_changed;
  int n = 0;
  while (n < 300 && std::getline(in, line)) {
    const std::string smi = line.substr(0, line.find(','));
    if (smi.empty()) continue;
    check_invariance(smi, &failures, &rdkit_changed);
    ++n;
  }
  if (!rdkit_changed.empty()) {
    std::cout << "note: RDKit wrote " << rdkit_changed.size()
              << " randomised SMILES that read back as another molecule (skipped):\n"
              << join(rdkit_changed);
  }
  EXPECT_GT(n, 0);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures in the first " << n << " ESOL molecules:\n"
                                << join(failures);
}

}  // namespace
}  // namespace molprop::chem
