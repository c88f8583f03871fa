// chem/variants.h: the other ways of writing a compound that `molprop robustness` predicts.
#include "chem/variants.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chem/featurizer.h"
#include "chem/parse.h"

namespace {

using namespace molprop::chem;

std::string canon(const std::string& smiles) {
  const ParsedMol p = parse_smiles(smiles);
  EXPECT_TRUE(p.ok()) << smiles << ": " << p.error;
  return p.ok() ? canonical_smiles(*p.mol) : "";
}

std::vector<std::string> of_kind(const std::vector<MolVariant>& vs, const std::string& kind) {
  std::vector<std::string> out;
  for (const auto& v : vs) {
    if (v.kind == kind) out.push_back(v.smiles);
  }
  return out;
}

bool has_canonical(const std::vector<std::string>& smiles, const std::string& target) {
  for (const auto& s : smiles) {
    if (canon(s) == canon(target)) return true;
  }
  return false;
}

TEST(Variants, TautomersOfKnownPairs) {
  // 2-hydroxypyridine ↔ 2-pyridone; acetylacetone's keto ↔ enol.
  EXPECT_TRUE(has_canonical(of_kind(enumerate_variants("Oc1ccccn1"), "tautomer"), "O=c1cccc[nH]1"));
  EXPECT_TRUE(has_canonical(of_kind(enumerate_variants("O=c1cccc[nH]1"), "tautomer"), "Oc1ccccn1"));
  EXPECT_TRUE(has_canonical(of_kind(enumerate_variants("CC(=O)CC(C)=O"), "tautomer"), "CC(=O)C=C(C)O"));
  // Benzene has no other tautomer; a tautomer is never the input's own graph.
  EXPECT_TRUE(of_kind(enumerate_variants("c1ccccc1"), "tautomer").empty());
  for (const auto& s : of_kind(enumerate_variants("Oc1ccccn1"), "tautomer")) EXPECT_NE(canon(s), canon("Oc1ccccn1"));
  // The cap holds.
  VariantOptions one;
  one.max_tautomers = 1;
  EXPECT_LE(of_kind(enumerate_variants("OC1=NC(O)=NC(O)=N1", one), "tautomer").size(), 1u);
  // The enumerator a thread keeps follows the cap from call to call.
  const auto many = of_kind(enumerate_variants("OC1=NC(O)=NC(O)=N1"), "tautomer");
  EXPECT_GT(many.size(), 1u);
  EXPECT_EQ(of_kind(enumerate_variants("OC1=NC(O)=NC(O)=N1", one), "tautomer").size(), 1u);
  EXPECT_EQ(of_kind(enumerate_variants("OC1=NC(O)=NC(O)=N1"), "tautomer"), many);
}

TEST(Variants, ChargeStatesAtPh74) {
  EXPECT_TRUE(has_canonical(of_kind(enumerate_variants("CC(=O)O"), "charge"), "CC(=O)[O-]"));
  EXPECT_TRUE(has_canonical(of_kind(enumerate_variants("CCN(CC)CC"), "charge"), "CC[NH+](CC)CC"));
  EXPECT_TRUE(has_canonical(of_kind(enumerate_variants("CC(=O)[O-]"), "charge"), "CC(=O)O"));
  EXPECT_TRUE(has_canonical(of_kind(enumerate_variants("C[NH3+]"), "charge"), "CN"));
  // Glycine: the acid deprotonated, the amine protonated, each on the neutral form.
  const auto gly = of_kind(enumerate_variants("NCC(=O)O"), "charge");
  EXPECT_TRUE(has_canonical(gly, "NCC(=O)[O-]"));
  EXPECT_TRUE(has_canonical(gly, "[NH3+]CC(=O)O"));
  // Not ionisable at pH 7.4: an amide N, an aniline, an ether, an alkane.
  for (const std::string s : {"CC(=O)NC", "Nc1ccccc1", "COC", "CCCC"}) {
    EXPECT_TRUE(of_kind(enumerate_variants(s), "charge").empty()) << s;
  }
}

TEST(Variants, SpellingAndExplicitHydrogensAreTheSameGraph) {
  for (const std::string s : {"CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CCO"}) {
    const auto vs = enumerate_variants(s);
    const auto spelling = of_kind(vs, "spelling");
    EXPECT_FALSE(spelling.empty()) << s;
    for (const auto& v : spelling) {
      EXPECT_NE(v, s);
      EXPECT_EQ(canon(v), canon(s)) << v;
    }
    const auto h = of_kind(vs, "explicit_h");
    ASSERT_EQ(h.size(), 1u) << s;
    EXPECT_NE(h[0].find("[H]"), std::string::npos) << h[0];
    // RDKit folds hydrogen atoms back into their heavy atoms when it reads the SMILES:
    // the explicit-H spelling featurises to the very same graph.
    const FeaturizedMol a = featurize_smiles(s), b = featurize_smiles(h[0]);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.graph.num_atoms, b.graph.num_atoms);
    EXPECT_EQ(canon(h[0]), canon(s));
  }
  // No variants of what does not parse; a kind switched off gives none.
  EXPECT_TRUE(enumerate_variants("not a smiles").empty());
  VariantOptions only_charge;
  only_charge.spelling = only_charge.tautomer = only_charge.explicit_h = false;
  for (const auto& v : enumerate_variants("Oc1ccccn1", only_charge)) EXPECT_EQ(v.kind, "charge");
}

TEST(Variants, TheCanonicalTautomerOptionMakesEveryTautomerOneGraph) {
  ParseOptions o;
  o.canonical_tautomer = true;
  for (const std::string s : {"Oc1ccccn1", "CC(=O)CC(C)=O", "O=C1NC(=O)C=C1", "Cc1cc(O)nn1C"}) {
    const ParsedMol p = parse_smiles(s, o);
    ASSERT_TRUE(p.ok()) << p.error;
    const std::string target = canonical_smiles(*p.mol);
    const auto tautomers = of_kind(enumerate_variants(s), "tautomer");
    EXPECT_FALSE(tautomers.empty()) << s;
    for (const auto& t : tautomers) {
      const ParsedMol q = parse_smiles(t, o);
      ASSERT_TRUE(q.ok()) << t;
      EXPECT_EQ(canonical_smiles(*q.mol), target) << s << " vs its tautomer " << t;
    }
  }
  FeaturizeOptions f;
  f.canonical_tautomer = true;
  EXPECT_EQ(featurize_smiles("Oc1ccccn1", f).graph.atom_features, featurize_smiles("O=c1cccc[nH]1", f).graph.atom_features);
}

TEST(Variants, TautomerFormsAreOneListForEveryTautomerOfACompound) {
  ParseOptions o;
  o.tautomer_forms = 4;
  ParseOptions canonical;
  canonical.canonical_tautomer = true;
  const auto forms_of = [&](const std::string& smiles) {
    const ParsedMol p = parse_smiles(smiles, o);
    EXPECT_TRUE(p.ok()) << smiles << ": " << p.error;
    std::vector<std::string> out;
    for (const auto& f : p.forms) out.push_back(canonical_smiles(*f));
    return out;
  };
  for (const std::string s : {"Oc1ccccn1", "CC(=O)CC(C)=O", "O=C1NC(=O)C=C1", "Cc1cc(O)nn1C"}) {
    const std::vector<std::string> forms = forms_of(s);
    ASSERT_GE(forms.size(), 2u) << s;
    EXPECT_LE(forms.size(), 4u) << s;
    // The most plausible first: RDKit's canonical tautomer.
    EXPECT_EQ(forms.front(), canonical_smiles(*parse_smiles(s, canonical).mol)) << s;
    const auto tautomers = of_kind(enumerate_variants(s), "tautomer");
    ASSERT_FALSE(tautomers.empty()) << s;
    for (const auto& t : tautomers) EXPECT_EQ(forms_of(t), forms) << s << " vs its tautomer " << t;
  }
  // A molecule without other tautomers is its own one form; the count is range-checked.
  EXPECT_EQ(forms_of("CCO"), std::vector<std::string>{"CCO"});
  o.tautomer_forms = kMaxTautomerForms + 1;
  EXPECT_NE(parse_smiles("CCO", o).error.find("tautomer_forms must be at most 64"), std::string::npos);
  // Featurised: one graph per form, with descriptors when asked for.
  FeaturizeOptions f;
  f.tautomer_forms = 3;
  f.descriptors = true;
  const FeaturizedMol m = featurize_smiles("Oc1ccccn1", f);
  ASSERT_TRUE(m.ok()) << m.error;
  ASSERT_EQ(m.forms.size(), 3u);  // 2-pyridone, 2-hydroxypyridine and a non-aromatic form
  for (const auto& form : m.forms) {
    EXPECT_EQ(form.graph.num_atoms, 7);
    EXPECT_EQ(form.descriptors.size(), m.descriptors.size());
  }
  EXPECT_NE(m.forms[0].graph.atom_features, m.forms[1].graph.atom_features);
  EXPECT_TRUE(featurize_smiles("Oc1ccccn1").forms.empty());
}

TEST(Variants, WithoutTheWrittenGraphOnlyTheFormsAreFeaturised) {
  FeaturizeOptions with;
  with.tautomer_forms = 2;
  with.descriptors = true;
  with.fingerprint = true;
  with.canonical_smiles = true;
  FeaturizeOptions without = with;
  without.written_graph = false;
  for (const std::string s : {"Oc1ccccn1", "CC(=O)CC(C)=O"}) {
    const FeaturizedMol a = featurize_smiles(s, with), b = featurize_smiles(s, without);
    ASSERT_TRUE(a.ok() && b.ok()) << s;
    EXPECT_EQ(a.graph.num_atoms, 7) << s;
    EXPECT_EQ(b.graph.num_atoms, 0) << s;
    EXPECT_TRUE(b.graph.atom_features.empty() && b.descriptors.empty()) << s;
    // The rest is the molecule as written's, and the forms are the same.
    EXPECT_EQ(b.fingerprint, a.fingerprint) << s;
    EXPECT_EQ(b.canonical_smiles, a.canonical_smiles) << s;
    ASSERT_EQ(b.forms.size(), a.forms.size()) << s;
    for (size_t k = 0; k < a.forms.size(); ++k) {
      EXPECT_EQ(b.forms[k].graph.atom_features, a.forms[k].graph.atom_features) << s << " form " << k;
      EXPECT_EQ(b.forms[k].graph.edge_index, a.forms[k].graph.edge_index) << s << " form " << k;
      EXPECT_EQ(b.forms[k].descriptors, a.forms[k].descriptors) << s << " form " << k;
    }
  }
  // Without forms (tautomer_forms 0) the option changes nothing: the molecule is its own graph.
  without.tautomer_forms = 0;
  EXPECT_EQ(featurize_smiles("CCO", without).graph.num_atoms, 3);
}

}  // namespace
