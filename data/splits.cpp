// rng.h uses size_t and std::swap without including their headers.
#include <cstddef>
#include <utility>

#include "data/splits.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "core/check.h"
#include "core/rng.h"
#include "core/text.h"

namespace molprop::data {

namespace {

std::string trim(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(s[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
  return s.substr(begin, end - begin);
}

std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses the whole of `text` as a finite double; false on empty text or trailing junk.
bool parse_double(const std::string& text, double& out) {
  const std::string t = trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  out = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && std::isfinite(out);
}

std::vector<int64_t> iota_vector(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), int64_t{0});
  return v;
}

void sort_parts(Split& split) {
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.val.begin(), split.val.end());
  std::sort(split.test.begin(), split.test.end());
}

}  // namespace

SplitSizes parse_split_sizes(const std::string& text) {
  const std::string error =
      "SplitSizes: expected three fractions that sum to 1 "
      "(train,val,test), got '" +
      text + "'";
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    fields.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (fields.size() != 3) throw Error(error);
  SplitSizes sizes{};
  for (size_t i = 0; i < 3; ++i) {
    if (!parse_double(fields[i], sizes[i]) || sizes[i] < 0.0 || sizes[i] > 1.0) {
      throw Error(error);
    }
  }
  if (std::abs(sizes[0] + sizes[1] + sizes[2] - 1.0) > 1e-6) throw Error(error);
  return sizes;
}

std::string format_split_sizes(const SplitSizes& sizes) {
  std::ostringstream os;
  os << sizes[0] << ',' << sizes[1] << ',' << sizes[2];
  return os.str();
}

void check_split_sizes(const char* field, const SplitSizes& sizes) {
  bool ok = std::abs(sizes[0] + sizes[1] + sizes[2] - 1.0) <= 1e-6;
  for (double s : sizes) ok = ok && s >= 0.0 && s <= 1.0;
  if (!ok) {
    throw Error(std::string(field) + ": expected three fractions that sum to 1 (train,val,test), got '" +
                format_split_sizes(sizes) + "'");
  }
}

Split random_split(int64_t n, const SplitSizes& sizes, uint64_t seed) {
  MOLPROP_CHECK(n >= 0, "random_split: n must be non-negative, got " << n);
  std::vector<int64_t> perm = iota_vector(n);
  core::Rng rng(seed);
  core::shuffle(perm, rng);
  // Truncation as in Chemprop; the clamps only guard against fractions summing past 1.
  const int64_t train_size = std::min(n, static_cast<int64_t>(sizes[0] * static_cast<double>(n)));
  const int64_t train_val_size =
      std::clamp(static_cast<int64_t>((sizes[0] + sizes[1]) * static_cast<double>(n)), train_size, n);
  Split split;
  split.train.assign(perm.begin(), perm.begin() + train_size);
  split.val.assign(perm.begin() + train_size, perm.begin() + train_val_size);
  split.test.assign(perm.begin() + train_val_size, perm.end());
  sort_parts(split);
  return split;
}

Split scaffold_balanced_split(const std::vector<int32_t>& scaffold_ids, const SplitSizes& sizes, uint64_t seed) {
  const double n = static_cast<double>(scaffold_ids.size());
  const double train_size = sizes[0] * n;
  const double val_size = sizes[1] * n;
  const double test_size = sizes[2] * n;

  // Groups in order of first appearance, each holding its indices ascending, so the
  // result depends only on the ids and the seed.
  std::vector<std::vector<int64_t>> groups;
  std::unordered_map<int32_t, size_t> group_of;
  for (size_t i = 0; i < scaffold_ids.size(); ++i) {
    auto [it, inserted] = group_of.try_emplace(scaffold_ids[i], groups.size());
    if (inserted) groups.emplace_back();
    groups[it->second].push_back(static_cast<int64_t>(i));
  }

  std::vector<std::vector<int64_t>> big, small;
  for (auto& g : groups) {
    const double len = static_cast<double>(g.size());
    if (len > val_size / 2 || len > test_size / 2) {
      big.push_back(std::move(g));
    } else {
      small.push_back(std::move(g));
    }
  }

  core::Rng rng(seed);
  // As Chemprop: big groups (which could not fit in val or test without unbalancing
  // them) are offered to train first; both lists are shuffled, not sorted.
  core::shuffle(big, rng);
  core::shuffle(small, rng);

  Split split;
  auto assign = [&](const std::vector<int64_t>& g) {
    const double len = static_cast<double>(g.size());
    std::vector<int64_t>* target = &split.test;
    if (static_cast<double>(split.train.size()) + len <= train_size) {
      target = &split.train;
    } else if (static_cast<double>(split.val.size()) + len <= val_size) {
      target = &split.val;
    }
    target->insert(target->end(), g.begin(), g.end());
  };
  for (const auto& g : big) assign(g);
  for (const auto& g : small) assign(g);
  sort_parts(split);
  return split;
}

std::vector<Split> kfold_splits(int64_t n, int k, uint64_t seed) {
  if (k < 2 || k > n) {
    throw Error(
        "kfold_splits: number of folds must be between 2 and the number of "
        "molecules (" +
        std::to_string(n) + "), got " + std::to_string(k));
  }
  std::vector<int64_t> perm = iota_vector(n);
  core::Rng rng(seed);
  core::shuffle(perm, rng);
  auto fold_begin = [&](int f) { return perm.begin() + f * n / k; };

  std::vector<Split> splits(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) {
    // With two folds the other fold must train, so there is no validation fold.
    const int val_fold = k >= 3 ? (i + 1) % k : -1;
    Split& split = splits[static_cast<size_t>(i)];
    for (int f = 0; f < k; ++f) {
      std::vector<int64_t>& target = f == i ? split.test : (f == val_fold ? split.val : split.train);
      target.insert(target.end(), fold_begin(f), fold_begin(f + 1));
    }
    sort_parts(split);
  }
  return splits;
}

Split column_split(const std::vector<std::string>& labels) {
  Split split;
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string label = to_lower(trim(labels[i]));
    const auto index = static_cast<int64_t>(i);
    if (label == "train") {
      split.train.push_back(index);
    } else if (label == "val" || label == "valid" || label == "validation") {
      split.val.push_back(index);
    } else if (label == "test") {
      split.test.push_back(index);
    } else {
      throw Error("split column: row " + std::to_string(i + 1) + ": expected train, val or test, got " +
                  core::quoted(labels[i]));
    }
  }
  return split;
}

}  // namespace molprop::data
