#include "data/splits.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/rng.h"

namespace molprop::data {
namespace {

// Every index 0..n-1 in exactly one part, and each part sorted ascending.
void expect_partition(const Split& s, int64_t n) {
  for (const auto* part : {&s.train, &s.val, &s.test}) {
    EXPECT_TRUE(std::is_sorted(part->begin(), part->end()));
  }
  std::vector<int64_t> all;
  all.insert(all.end(), s.train.begin(), s.train.end());
  all.insert(all.end(), s.val.begin(), s.val.end());
  all.insert(all.end(), s.test.begin(), s.test.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> expected(static_cast<size_t>(n));
  std::iota(expected.begin(), expected.end(), int64_t{0});
  EXPECT_EQ(all, expected);
}

bool same_split(const Split& a, const Split& b) { return a.train == b.train && a.val == b.val && a.test == b.test; }

// A skewed scaffold distribution like a real data set: a few large scaffold families,
// many small ones and a long tail of singletons.
std::vector<int32_t> realistic_scaffold_ids() {
  std::vector<int32_t> ids;
  int32_t next_id = 0;
  for (int size : {120, 80, 60, 40, 30}) {
    for (int i = 0; i < size; ++i) ids.push_back(next_id);
    ++next_id;
  }
  for (int g = 0; g < 60; ++g) {
    for (int i = 0; i < 1 + g % 6; ++i) ids.push_back(next_id);
    ++next_id;
  }
  for (int i = 0; i < 300; ++i) ids.push_back(next_id++);
  // Scatter so groups are not contiguous runs of indices.
  core::Rng rng(123);
  core::shuffle(ids, rng);
  return ids;
}

TEST(ParseSplitSizes, AcceptsThreeFractions) {
  const SplitSizes s = parse_split_sizes("0.8,0.1,0.1");
  EXPECT_DOUBLE_EQ(s[0], 0.8);
  EXPECT_DOUBLE_EQ(s[1], 0.1);
  EXPECT_DOUBLE_EQ(s[2], 0.1);
  EXPECT_NO_THROW(parse_split_sizes("1,0,0"));
  EXPECT_NO_THROW(parse_split_sizes(" 0.7, 0.2 ,0.1"));
}

TEST(ParseSplitSizes, RejectsBadInput) {
  for (const char* bad : {"0.8,0.3", "a,b,c", "0.5,0.5", "0.5,0.5,0.5", "1.2,-0.1,-0.1", "0.8,0.1,0.1,0", "",
                          "0.8,0.1,", "0.8x,0.1,0.1", "nan,0.5,0.5"}) {
    EXPECT_THROW(parse_split_sizes(bad), Error) << bad;
  }
  try {
    parse_split_sizes("0.8,0.3");
    FAIL() << "expected molprop::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("SplitSizes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'0.8,0.3'"), std::string::npos) << msg;
  }
}

TEST(RandomSplit, IsPartitionWithChempropSizes) {
  for (int64_t n : {0, 1, 7, 10, 101, 1000}) {
    const SplitSizes sizes{0.8, 0.1, 0.1};
    const Split s = random_split(n, sizes, 0);
    expect_partition(s, n);
    const auto train = static_cast<int64_t>(sizes[0] * n);
    const auto train_val = static_cast<int64_t>((sizes[0] + sizes[1]) * n);
    EXPECT_EQ(static_cast<int64_t>(s.train.size()), train) << n;
    EXPECT_EQ(static_cast<int64_t>(s.val.size()), train_val - train) << n;
    EXPECT_EQ(static_cast<int64_t>(s.test.size()), n - train_val) << n;
  }
}

TEST(RandomSplit, DeterministicBySeed) {
  const SplitSizes sizes{0.8, 0.1, 0.1};
  EXPECT_TRUE(same_split(random_split(500, sizes, 1), random_split(500, sizes, 1)));
  EXPECT_FALSE(same_split(random_split(500, sizes, 1), random_split(500, sizes, 2)));
}

TEST(ScaffoldBalancedSplit, KeepsScaffoldsWholeAndTrainAtMostItsShare) {
  const std::vector<int32_t> ids = realistic_scaffold_ids();
  const auto n = static_cast<int64_t>(ids.size());
  for (uint64_t seed : {0ULL, 1ULL, 2ULL, 3ULL}) {
    const Split s = scaffold_balanced_split(ids, {0.8, 0.1, 0.1}, seed);
    expect_partition(s, n);
    EXPECT_LE(static_cast<double>(s.train.size()), 0.8 * static_cast<double>(n));
    EXPECT_FALSE(s.val.empty());
    EXPECT_FALSE(s.test.empty());

    std::map<int32_t, int> part_of;
    const std::vector<int64_t>* parts[] = {&s.train, &s.val, &s.test};
    for (int p = 0; p < 3; ++p) {
      for (int64_t i : *parts[p]) {
        auto [it, inserted] = part_of.try_emplace(ids[static_cast<size_t>(i)], p);
        EXPECT_EQ(it->second, p) << "scaffold " << ids[static_cast<size_t>(i)] << " is in two parts";
      }
    }
  }
}

TEST(ScaffoldBalancedSplit, LargestScaffoldGoesToTrain) {
  const std::vector<int32_t> ids = realistic_scaffold_ids();
  for (uint64_t seed : {0ULL, 5ULL}) {
    const Split s = scaffold_balanced_split(ids, {0.8, 0.1, 0.1}, seed);
    // Scaffold 0 is the largest family (120 molecules), bigger than val or test.
    const auto first = std::find(ids.begin(), ids.end(), 0) - ids.begin();
    EXPECT_TRUE(std::binary_search(s.train.begin(), s.train.end(), first));
  }
}

TEST(ScaffoldBalancedSplit, DeterministicBySeed) {
  const std::vector<int32_t> ids = realistic_scaffold_ids();
  const SplitSizes sizes{0.8, 0.1, 0.1};
  EXPECT_TRUE(same_split(scaffold_balanced_split(ids, sizes, 4), scaffold_balanced_split(ids, sizes, 4)));
  EXPECT_FALSE(same_split(scaffold_balanced_split(ids, sizes, 4), scaffold_balanced_split(ids, sizes, 5)));
}

TEST(ScaffoldBalancedSplit, EmptyInput) {
  const Split s = scaffold_balanced_split({}, {0.8, 0.1, 0.1}, 0);
  expect_partition(s, 0);
}

TEST(KfoldSplits, EveryIndexInExactlyOneTestFold) {
  for (int k : {2, 3, 5, 10}) {
    const int64_t n = 103;
    const std::vector<Split> splits = kfold_splits(n, k, 0);
    ASSERT_EQ(static_cast<int>(splits.size()), k);
    std::vector<int> test_count(static_cast<size_t>(n), 0);
    for (const Split& s : splits) {
      expect_partition(s, n);
      for (int64_t i : s.test) ++test_count[static_cast<size_t>(i)];
      if (k == 2) {
        EXPECT_TRUE(s.val.empty());
      } else {
        EXPECT_FALSE(s.val.empty());
      }
      // Folds differ in size by at most one.
      EXPECT_GE(static_cast<int64_t>(s.test.size()), n / k);
      EXPECT_LE(static_cast<int64_t>(s.test.size()), n / k + 1);
    }
    for (int c : test_count) EXPECT_EQ(c, 1);
  }
}

TEST(KfoldSplits, ValIsNextSplitsTest) {
  const std::vector<Split> splits = kfold_splits(50, 4, 9);
  for (size_t i = 0; i < splits.size(); ++i) {
    EXPECT_EQ(splits[i].val, splits[(i + 1) % splits.size()].test);
  }
}

TEST(KfoldSplits, DeterministicBySeed) {
  const auto a = kfold_splits(200, 5, 1), b = kfold_splits(200, 5, 1), c = kfold_splits(200, 5, 2);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(same_split(a[i], b[i]));
  EXPECT_FALSE(same_split(a[0], c[0]));
}

TEST(KfoldSplits, RejectsOutOfRangeK) {
  EXPECT_THROW(kfold_splits(10, 1, 0), Error);
  EXPECT_THROW(kfold_splits(10, 0, 0), Error);
  EXPECT_THROW(kfold_splits(10, 11, 0), Error);
  EXPECT_NO_THROW(kfold_splits(10, 10, 0));
}

TEST(ColumnSplit, MapsLabels) {
  const Split s = column_split({"train", "VAL", " test ", "Valid", "validation", "Train"});
  EXPECT_EQ(s.train, (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(s.val, (std::vector<int64_t>{1, 3, 4}));
  EXPECT_EQ(s.test, (std::vector<int64_t>{2}));
}

TEST(ColumnSplit, UnknownLabelNamesRow) {
  try {
    column_split({"train", "test", "training?"});
    FAIL() << "expected molprop::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("row 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'training?'"), std::string::npos) << msg;
  }
}

// Issue 14: a cell quoted in a message is escaped and capped (a newline or a NUL byte
// in a split label no longer splits or cuts the one-line error).
TEST(ColumnSplit, UnknownLabelIsQuotedEscapedAndCapped) {
  try {
    column_split({"train", std::string("va\nl\0", 5) + std::string(10000, 'x')});
    FAIL() << "expected molprop::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("got 'va\\nl\\x00xxx"), std::string::npos) << msg;
    EXPECT_NE(msg.find("…(10005 bytes)'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos);
    EXPECT_LT(msg.size(), 200u);
  }
}

}  // namespace
}  // namespace molprop::data
