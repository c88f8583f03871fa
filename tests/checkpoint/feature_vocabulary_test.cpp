#include "checkpoint/feature_vocabulary.h"

#include <gtest/gtest.h>

#include "chem/features.h"

namespace molprop {
namespace {

TEST(FeatureVocabulary, FillsEveryCardinalityAndTheVersionReplacingWhatWasThere) {
  models::ModelConfig c;
  c.encoder.atom_cardinalities = {1, 2, 3};  // stale values are replaced, not appended to
  c.featurizer_version = -1;
  checkpoint::set_feature_vocabulary(c);
  const auto& atoms = chem::atom_feature_specs();
  const auto& bonds = chem::bond_feature_specs();
  ASSERT_EQ(c.encoder.atom_cardinalities.size(), atoms.size());
  ASSERT_EQ(c.encoder.bond_cardinalities.size(), bonds.size());
  for (size_t i = 0; i < atoms.size(); ++i) EXPECT_EQ(c.encoder.atom_cardinalities[i], atoms[i].cardinality);
  for (size_t i = 0; i < bonds.size(); ++i) EXPECT_EQ(c.encoder.bond_cardinalities[i], bonds[i].cardinality);
  EXPECT_EQ(c.featurizer_version, chem::kFeaturizerVersion);
}

TEST(FeatureVocabulary, IsIdempotent) {
  models::ModelConfig a, b;
  checkpoint::set_feature_vocabulary(a);
  checkpoint::set_feature_vocabulary(b);
  checkpoint::set_feature_vocabulary(b);
  EXPECT_EQ(a.encoder.atom_cardinalities, b.encoder.atom_cardinalities);
  EXPECT_EQ(a.encoder.bond_cardinalities, b.encoder.bond_cardinalities);
}

}  // namespace
}  // namespace molprop
