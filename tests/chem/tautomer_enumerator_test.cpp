#include "chem/tautomer_enumerator.h"

#include <GraphMol/MolStandardize/Tautomer.h>
#include <gtest/gtest.h>

#include <thread>

using molprop::chem::kKeptTautomerEnumerators;
using molprop::chem::TautomerEnumeratorSettings;
using molprop::chem::thread_tautomer_enumerator;
using RDKit::MolStandardize::TautomerEnumerator;

namespace {
// RDKit 2022.09's getters are not const.
TautomerEnumerator& mut(const TautomerEnumerator& e) { return const_cast<TautomerEnumerator&>(e); }
}  // namespace

TEST(ThreadTautomerEnumerator, BuiltWithTheSettingsAndReusedForTheSameSettings) {
  const TautomerEnumeratorSettings capped{64, 32, false};
  const TautomerEnumeratorSettings stereo{11, 200, true};
  const TautomerEnumerator& a = thread_tautomer_enumerator(capped);
  EXPECT_EQ(mut(a).getMaxTautomers(), 64u);
  EXPECT_EQ(mut(a).getMaxTransforms(), 32u);
  EXPECT_TRUE(mut(a).getRemoveSp3Stereo());  // RDKit's default
  EXPECT_TRUE(mut(a).getRemoveBondStereo());
  const TautomerEnumerator& b = thread_tautomer_enumerator(stereo);
  EXPECT_NE(&a, &b);
  EXPECT_EQ(mut(b).getMaxTautomers(), 11u);
  EXPECT_EQ(mut(b).getMaxTransforms(), 200u);
  EXPECT_FALSE(mut(b).getRemoveSp3Stereo());
  EXPECT_FALSE(mut(b).getRemoveBondStereo());
  // The same settings again: the same enumerator, not a new one.
  EXPECT_EQ(&thread_tautomer_enumerator(capped), &a);
  EXPECT_EQ(&thread_tautomer_enumerator(stereo), &b);
}

TEST(ThreadTautomerEnumerator, EachThreadHasItsOwn) {
  const TautomerEnumeratorSettings s{64, 64, false};
  const TautomerEnumerator* here = &thread_tautomer_enumerator(s);
  const TautomerEnumerator* there = nullptr;
  std::thread([&] { there = &thread_tautomer_enumerator(s); }).join();
  EXPECT_NE(here, there);
  EXPECT_EQ(&thread_tautomer_enumerator(s), here);
}

TEST(ThreadTautomerEnumerator, ManySettingsInTurnEachGetTheirCaps) {
  // More settings than a thread keeps: the oldest are rebuilt when asked for again, with their caps.
  std::thread([] {
    for (int round = 0; round < 2; ++round) {
      for (unsigned cap = 1; cap <= static_cast<unsigned>(kKeptTautomerEnumerators) + 3; ++cap) {
        const TautomerEnumerator& e = thread_tautomer_enumerator({cap, 100, false});
        EXPECT_EQ(mut(e).getMaxTautomers(), cap);
        EXPECT_EQ(mut(e).getMaxTransforms(), 100u);
      }
    }
  }).join();
}
