#pragma once
// Train/validation/test splits, deterministic by seed (see rng.h).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::data {

struct Split {
  std::vector<int64_t> train, val, test;  // molecule indices, each sorted ascending
};

// Fractions for train, val, test; each in [0,1], summing to 1 (±1e-6). Throws
// molprop::Error otherwise.
using SplitSizes = std::array<double, 3>;
// "0.8,0.1,0.1" → {0.8, 0.1, 0.1}; throws molprop::Error ("SplitSizes: expected three
// fractions that sum to 1 ...") unless there are three fractions in [0, 1] summing to 1.
SplitSizes parse_split_sizes(const std::string& text);
// {0.8, 0.1, 0.1} → "0.8,0.1,0.1" (what parse_split_sizes reads back).
std::string format_split_sizes(const SplitSizes& sizes);
// Throws the same error as parse_split_sizes, naming `field`, unless sizes are three
// fractions in [0, 1] summing to 1.
void check_split_sizes(const char* field, const SplitSizes& sizes);

// Random permutation cut at the given fractions (sizes rounded as Chemprop does:
// train = int(f0·n), val = int((f0+f1)·n) - train, test = the rest).
Split random_split(int64_t n, const SplitSizes& sizes, uint64_t seed);

// Chemprop's scaffold_balanced: molecules grouped by scaffold id; groups larger than
// half the val or test size go first, each part in random order; groups
// are then assigned whole to train until it is full, then val, then test.
Split scaffold_balanced_split(const std::vector<int32_t>& scaffold_ids, const SplitSizes& sizes, uint64_t seed);

// K folds over a random permutation: fold i is the test set of split i, fold (i+1)%k its
// validation set, the rest training. k ≥ 2 (k = 2: val is empty, as there is no third
// fold). Every index is in exactly one test set.
std::vector<Split> kfold_splits(int64_t n, int k, uint64_t seed);

// From a user column with values train/val/test (case-insensitive; "valid" and
// "validation" accepted). Throws molprop::Error naming the row (1-based) of an unknown
// value.
Split column_split(const std::vector<std::string>& labels);

}  // namespace molprop::data
