// Applicability domain: nearest-neighbour ECFP4 Tanimoto to the training molecules.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "checkpoint/domain.h"
#include "chem/fingerprint.h"
#include "chem/parse.h"
#include "core/check.h"
#include "tests/util/file_size_limit.h"
#include "tests/util/scratch_dir.h"

namespace {

using molprop::checkpoint::ApplicabilityDomain;

molprop::chem::PackedFingerprint fp(const std::string& smiles) {
  const auto parsed = molprop::chem::parse_smiles(smiles);
  EXPECT_TRUE(parsed.ok()) << smiles;
  return molprop::chem::packed_morgan_fingerprint(*parsed.mol);
}

double unpacked_tanimoto(const std::string& a, const std::string& b) {
  return molprop::chem::tanimoto(molprop::chem::morgan_fingerprint(*molprop::chem::parse_smiles(a).mol),
                                 molprop::chem::morgan_fingerprint(*molprop::chem::parse_smiles(b).mol));
}

TEST(ApplicabilityDomain, NearestNeighbourSimilarityMatchesTheBruteForceTanimoto) {
  const std::vector<std::string> train = {"CCO", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O", "not a smiles", "CCN(CC)CC"};
  const ApplicabilityDomain d = ApplicabilityDomain::from_smiles(train, 0.4);
  EXPECT_EQ(d.size(), 4u);                             // the invalid one is skipped
  EXPECT_DOUBLE_EQ(d.max_similarity(fp("OCC")), 1.0);  // ethanol, written another way
  for (const std::string q : {"O=C(O)c1ccccc1O", "CCCCCCCC", "c1ccncc1", "CC(C)Cc1ccc(cc1)C(C)C(=O)O"}) {
    double best = 0;
    for (const std::string t : {"CCO", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O", "CCN(CC)CC"}) {
      best = std::max(best, unpacked_tanimoto(q, t));
    }
    EXPECT_NEAR(d.max_similarity(fp(q)), best, 1e-12) << q;
    EXPECT_EQ(d.in_domain(d.max_similarity(fp(q))), best >= 0.4) << q;
  }
  EXPECT_EQ(ApplicabilityDomain().max_similarity(fp("CCO")), 0.0);  // no training molecules
}

TEST(ApplicabilityDomain, SaveLoadRoundTripAndClearErrors) {
  const std::string dir = molprop::testing_util::fresh_dir("domain");
  const ApplicabilityDomain d = ApplicabilityDomain::from_smiles({"CCO", "c1ccccc1O", "CC(C)=O"}, 0.3);
  d.save(dir + "/domain.h5");
  const ApplicabilityDomain back = ApplicabilityDomain::load(dir + "/domain.h5");
  EXPECT_EQ(back.size(), 3u);
  EXPECT_DOUBLE_EQ(back.threshold(), 0.3);
  for (const std::string q : {"CCO", "c1ccccc1", "CCCC(=O)C"}) {
    EXPECT_DOUBLE_EQ(back.max_similarity(fp(q)), d.max_similarity(fp(q))) << q;
  }
  std::ofstream(dir + "/bad.h5") << "not hdf5";
  try {
    ApplicabilityDomain::load(dir + "/bad.h5");
    FAIL() << "expected molprop::Error";
  } catch (const molprop::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/bad.h5"), std::string::npos) << e.what();
  }
}

}  // namespace

// The popcount-ordered, bound-pruned search gives exactly the brute-force maximum over a
// set with many popcounts (chains, rings, branched molecules of growing size), including
// queries far outside it and a query identical to a training molecule.
TEST(ApplicabilityDomain, PrunedSearchEqualsBruteForceOnManyMolecules) {
  std::vector<std::string> train;
  for (int n = 1; n <= 30; ++n) {
    train.push_back(std::string(static_cast<size_t>(n), 'C') + "O");
    train.push_back("c1ccccc1" + std::string(static_cast<size_t>(n), 'C') + "N");
    train.push_back("CC(C)" + std::string(static_cast<size_t>(n), 'C') + "C(=O)O");
    train.push_back("O=C(N)c1ccc(" + std::string(static_cast<size_t>(n % 7 + 1), 'C') + ")cc1" +
                    std::string(static_cast<size_t>(n / 3), 'C') + "F");
  }
  const ApplicabilityDomain d = ApplicabilityDomain::from_smiles(train, 0.35);
  ASSERT_EQ(d.size(), train.size());
  std::vector<molprop::chem::PackedFingerprint> fps;
  for (const auto& s : train) fps.push_back(fp(s));
  auto brute = [&](const molprop::chem::PackedFingerprint& q) {
    double best = 0;
    const int a = molprop::chem::popcount(q);
    for (const auto& t : fps) {
      int both = 0;
      for (size_t w = 0; w < q.size(); ++w) both += __builtin_popcountll(q[w] & t[w]);
      const int either = a + molprop::chem::popcount(t) - both;
      best = std::max(best, either == 0 ? 1.0 : static_cast<double>(both) / either);
    }
    return best;
  };
  for (const std::string q :
       {"CCCCCCO", "c1ccccc1CCCN", "CC(C)CCCCCCCCCCCCC(=O)O", "C", "[Na+]", "c1ccc2ccccc2c1", "O=C(N)c1ccc(CCC)cc1CCF",
        "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCO", "ClC(Cl)(Cl)Cl", "CC(=O)Oc1ccccc1C(=O)O"}) {
    const auto q_fp = fp(q);
    EXPECT_DOUBLE_EQ(d.max_similarity(q_fp), brute(q_fp)) << q;
  }
}

namespace {

// Issue 14 case 2: a train on a full disk left a half domain.h5 behind.
TEST(Reliability, DomainSaveOnAFullDiskIsOneErrorAndLeavesNothing) {
  const std::string dir = molprop::testing_util::fresh_dir("domain_full_disk");
  std::vector<std::string> smiles;
  for (int n = 1; n <= 200; ++n) smiles.push_back(std::string(static_cast<size_t>(n % 40 + 1), 'C') + "O");
  const ApplicabilityDomain domain = ApplicabilityDomain::from_smiles(smiles);
  const std::string path = dir + "/domain.h5";
  const molprop::testing_util::ChildOutcome r =
      molprop::testing_util::run_with_file_size_limit(8 * 1024, [&] { domain.save(path); });
  ASSERT_TRUE(r.threw_error()) << r.describe();
  EXPECT_NE(r.message.find(path + ": cannot write applicability domain"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

}  // namespace

namespace {

// Highest unpacked Tanimoto of `q` to the molecules of `train` whose flag is set.
double brute_force(const std::string& q, const std::vector<std::string>& train, const std::vector<char>& use) {
  double best = 0;
  for (size_t i = 0; i < train.size(); ++i) {
    if (use[i]) best = std::max(best, unpacked_tanimoto(q, train[i]));
  }
  return best;
}

}  // namespace

TEST(ApplicabilityDomain, PerTargetDomainsSearchOnlyTheMoleculesWithThatLabel) {
  // Target 0 (say logS) is labelled for the small molecules, target 1 (logD) for the drugs.
  const std::vector<std::string> train = {"CCO", "CC(C)=O", "CC(=O)Oc1ccccc1C(=O)O", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
                                          "CCN(CC)CC"};
  const std::vector<char> labelled = {1, 0, 1, 0, 0, 1, 0, 1, 1, 1};  // 5 molecules × 2 targets
  const std::vector<char> t0 = {1, 1, 0, 0, 1}, t1 = {0, 0, 1, 1, 1};
  ApplicabilityDomain d = ApplicabilityDomain::from_smiles(train, labelled, {"logS", "logD"}, 0.35);
  ASSERT_EQ(d.num_targets(), 2u);
  EXPECT_EQ(d.size(), 5u);
  EXPECT_EQ(d.target_size(0), 3u);
  EXPECT_EQ(d.target_size(1), 3u);
  for (const std::string q : {"OCC", "CCCO", "O=C(O)c1ccccc1O", "CC(C)Cc1ccccc1", "CCCCCCCC"}) {
    EXPECT_NEAR(d.max_similarity(fp(q), 0), brute_force(q, train, t0), 1e-12) << q;
    EXPECT_NEAR(d.max_similarity(fp(q), 1), brute_force(q, train, t1), 1e-12) << q;
  }
  // all_similarities (one search of the whole set, reused where the nearest molecule has
  // the label) gives exactly the separate searches.
  for (const std::string q : {"OCC", "CCCO", "O=C(O)c1ccccc1O", "CC(C)Cc1ccccc1", "CCCCCCCC", "CCN(CC)CC", "C"}) {
    const std::vector<double> all = d.all_similarities(fp(q));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_DOUBLE_EQ(all[0], d.max_similarity(fp(q))) << q;
    EXPECT_DOUBLE_EQ(all[1], d.max_similarity(fp(q), 0)) << q;
    EXPECT_DOUBLE_EQ(all[2], d.max_similarity(fp(q), 1)) << q;
  }
  // Ethanol itself is a training molecule, but only with target 0's label.
  EXPECT_DOUBLE_EQ(d.max_similarity(fp("CCO")), 1.0);
  EXPECT_DOUBLE_EQ(d.max_similarity(fp("CCO"), 0), 1.0);
  EXPECT_LT(d.max_similarity(fp("CCO"), 1), 0.35);
  EXPECT_FALSE(d.in_domain(d.max_similarity(fp("CCO"), 1), 1));
  // Thresholds: one per target, set_threshold(t) sets them all.
  d.set_threshold(1, 0.1);
  EXPECT_DOUBLE_EQ(d.threshold(0), 0.35);
  EXPECT_DOUBLE_EQ(d.threshold(1), 0.1);
  d.set_threshold(0.5);
  EXPECT_DOUBLE_EQ(d.threshold(0), 0.5);
  EXPECT_DOUBLE_EQ(d.threshold(1), 0.5);
  EXPECT_THROW(d.max_similarity(fp("CCO"), 2), std::out_of_range);
  EXPECT_THROW(ApplicabilityDomain::from_smiles(train, {1, 0}, {"logS", "logD"}), molprop::Error);
}

TEST(ApplicabilityDomain, PerTargetDomainSurvivesSaveAndLoad) {
  const std::string dir = molprop::testing_util::fresh_dir("domain_targets");
  const std::vector<std::string> train = {"CCO", "not a smiles", "c1ccccc1O", "CC(C)=O"};
  // The unparsable molecule's flags are dropped with it.
  const std::vector<char> labelled = {1, 0, 1, 1, 0, 1, 1, 0};
  ApplicabilityDomain d = ApplicabilityDomain::from_smiles(train, labelled, {"a", "b"}, 0.3);
  EXPECT_TRUE(d.in_label_range(0, 1e9));  // no ranges: every value is plausible
  d.set_label_ranges({-1.0, 0.0}, {3.0, std::numeric_limits<double>::quiet_NaN()});
  EXPECT_THROW(d.set_label_ranges({0.0}, {1.0}), molprop::Error);  // one per target
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.target_size(0), 2u);  // CCO, CC(C)=O
  EXPECT_EQ(d.target_size(1), 1u);  // c1ccccc1O
  d.save(dir + "/domain.h5");
  const ApplicabilityDomain back = ApplicabilityDomain::load(dir + "/domain.h5");
  EXPECT_EQ(back.target_names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(back.target_size(0), 2u);
  EXPECT_EQ(back.target_size(1), 1u);
  for (const std::string q : {"CCO", "c1ccccc1", "CCCC(=O)C"}) {
    for (size_t t = 0; t < 2; ++t) EXPECT_DOUBLE_EQ(back.max_similarity(fp(q), t), d.max_similarity(fp(q), t)) << q;
  }
  // Labels of target a span [-1, 3]: ± 10% of the range (0.4) is still plausible.
  ASSERT_TRUE(back.has_label_ranges());
  EXPECT_TRUE(back.in_label_range(0, -1.4));
  EXPECT_TRUE(back.in_label_range(0, 3.4));
  EXPECT_FALSE(back.in_label_range(0, -1.5));
  EXPECT_FALSE(back.in_label_range(0, 3.5));
  EXPECT_TRUE(back.in_label_range(1, 100.0));  // no range known (NaN, saved as null)
  // A one-target domain (the older layout) has no per-target part.
  ApplicabilityDomain::from_smiles({"CCO"}).save(dir + "/plain.h5");
  EXPECT_EQ(ApplicabilityDomain::load(dir + "/plain.h5").num_targets(), 0u);
}

TEST(ApplicabilityDomain, OverallSimilarityOfAPerTargetDomainCoversEveryTrainingMolecule) {
  // The overall similarity of a per-target domain comes from the per-target searches and the
  // molecules without any label (no search of the whole set): it must still be the nearest
  // of all training molecules, and the training order must survive a second save.
  const std::string dir = molprop::testing_util::fresh_dir("domain_overall");
  const std::vector<std::string> train = {"CCO", "c1ccccc1O", "CCCCCCCCCC", "CC(C)=O", "c1ccncc1"};
  // CCCCCCCCCC and c1ccncc1 have no label.
  const std::vector<char> labelled = {1, 0, 0, 1, 0, 0, 1, 1, 0, 0};
  const std::vector<char> all(train.size(), 1);
  ApplicabilityDomain d = ApplicabilityDomain::from_smiles(train, labelled, {"a", "b"}, 0.3);
  d.save(dir + "/first.h5");
  ApplicabilityDomain::load(dir + "/first.h5").save(dir + "/second.h5");
  const ApplicabilityDomain back = ApplicabilityDomain::load(dir + "/second.h5");
  ASSERT_EQ(back.size(), train.size());
  for (const std::string q : {"CCCCCCCCC", "c1ccncc1C", "CCO", "CC(C)=O", "c1ccccc1N", "[Na+]"}) {
    const ApplicabilityDomain* both[] = {&d, &back};
    for (const ApplicabilityDomain* x : both) {
      EXPECT_NEAR(x->max_similarity(fp(q)), brute_force(q, train, all), 1e-12) << q;
      EXPECT_NEAR(x->max_similarity(fp(q), 0), brute_force(q, train, {1, 0, 0, 1, 0}), 1e-12) << q;
      EXPECT_NEAR(x->max_similarity(fp(q), 1), brute_force(q, train, {0, 1, 0, 1, 0}), 1e-12) << q;
    }
  }
}
