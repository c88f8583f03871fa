// rng.h uses size_t and std::swap without including their headers.
#include <cstddef>
#include <utility>

#include "core/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

namespace molprop::core {
namespace {

TEST(Rng, SameSeedGivesSameSequence) {
  core::Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, UniformStaysInRange) {
  core::Rng rng(7);
  for (uint64_t bound : {1ULL, 2ULL, 3ULL, 10ULL, 1000ULL, (1ULL << 63) + 1, ~0ULL}) {
    for (int i = 0; i < 1000; ++i) EXPECT_LT(rng.uniform(bound), bound);
  }
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.uniform(1), 0u);
}

TEST(Rng, UniformIsRoughlyFlat) {
  // Loose on purpose: 10% per bucket is ~30 standard deviations at 10k expected draws,
  // so only a real bias (e.g. a broken multiply-shift) fails.
  core::Rng rng(12345);
  constexpr int kBuckets = 10;
  constexpr int kDraws = 100000;
  std::vector<int> counts(kBuckets, 0);
  for (int i = 0; i < kDraws; ++i) ++counts[rng.uniform(kBuckets)];
  const double expected = static_cast<double>(kDraws) / kBuckets;
  for (int b = 0; b < kBuckets; ++b) {
    EXPECT_NEAR(counts[b], expected, 0.1 * expected) << "bucket " << b;
  }
}

TEST(Rng, Uniform01IsInUnitInterval) {
  core::Rng rng(3);
  double sum = 0.0;
  constexpr int kDraws = 100000;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / kDraws, 0.5, 0.01);
}

TEST(Rng, ShuffleIsPermutation) {
  std::vector<int> v(257);
  std::iota(v.begin(), v.end(), 0);
  const std::vector<int> original = v;
  core::Rng rng(99);
  shuffle(v, rng);
  EXPECT_NE(v, original);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, original);

  std::vector<int> again = original;
  Rng rng2(99);
  shuffle(again, rng2);
  EXPECT_EQ(again, v);
}

TEST(Rng, ShuffleHandlesTinyVectors) {
  core::Rng rng(1);
  std::vector<int> empty;
  shuffle(empty, rng);
  EXPECT_TRUE(empty.empty());
  std::vector<int> one{5};
  shuffle(one, rng);
  EXPECT_EQ(one, std::vector<int>{5});
}

TEST(Rng, MixSeedSeparatesStreams) {
  for (uint64_t seed : {0ULL, 1ULL, 42ULL}) {
    EXPECT_NE(core::mix_seed(seed, 0), mix_seed(seed, 1));
    EXPECT_NE(core::mix_seed(seed, 1), mix_seed(seed, 2));
    EXPECT_EQ(core::mix_seed(seed, 3), mix_seed(seed, 3));
  }
  EXPECT_NE(core::mix_seed(0, 1), mix_seed(1, 1));
}

}  // namespace
}  // namespace molprop::core
