#include "models/categorical_kernels.h"

#include <cstring>
#include <string>

#include "core/check.h"
#include "models/bf16.h"

namespace molprop::models {
namespace {

// o = 0 + t[0] + t[1] + … (starting from zero as EmbeddingBag's sum does, which turns -0 into +0).
__attribute__((target_clones("avx512f", "avx2", "default"))) void sum_rows(const float* const* rows_of,
                                                                           int64_t features, int64_t dim,
                                                                           float* o) {
  const float* t = rows_of[0];
  for (int64_t j = 0; j < dim; ++j) o[j] = 0.0f + t[j];
  for (int64_t f = 1; f < features; ++f) {
    t = rows_of[f];
    for (int64_t j = 0; j < dim; ++j) o[j] += t[j];
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void add_row(const float* g, int64_t dim, float* o) {
  for (int64_t j = 0; j < dim; ++j) o[j] += g[j];
}

void check_category(const int64_t* c, int64_t r, int64_t f, const int64_t* radix) {
  if (c[f] < 0 || c[f] >= radix[f])
    throw Error("categorical input row " + std::to_string(r) + ", feature " + std::to_string(f) + ": category " +
                std::to_string(c[f]) + " outside [0, " + std::to_string(radix[f]) + ")");
}

}  // namespace

DistinctRows distinct_rows(const int64_t* categories, int64_t rows, int64_t features, const int64_t* radix) {
  DistinctRows d;
  d.ids.resize(static_cast<size_t>(rows));
  // Each row's categories as one mixed-radix code when the radices' product fits in 62 bits
  // (the feature vocabulary's atoms: ~10⁸), found in an open-addressing table.
  bool fits = true;
  uint64_t span = 1;
  for (int64_t f = 0; f < features && fits; ++f) {
    const auto r = static_cast<uint64_t>(radix[f]);
    if (r == 0 || span > (uint64_t{1} << 62) / r) fits = false;
    span *= r;
  }
  if (!fits) {  // wide vocabularies: every row on its own
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t f = 0; f < features; ++f) check_category(categories + r * features, r, f, radix);
      d.ids[static_cast<size_t>(r)] = r;
      d.first.push_back(r);
    }
    return d;
  }
  size_t capacity = 16;
  while (capacity < 2 * static_cast<size_t>(rows)) capacity *= 2;
  std::vector<uint64_t> keys(capacity, 0);  // code + 1; 0 = empty
  std::vector<int64_t> numbers(capacity, 0);
  const int shift = 64 - __builtin_ctzll(capacity);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t* c = categories + r * features;
    uint64_t code = 0;
    for (int64_t f = 0; f < features; ++f) {
      check_category(c, r, f, radix);
      code = code * static_cast<uint64_t>(radix[f]) + static_cast<uint64_t>(c[f]);
    }
    const uint64_t key = code + 1;
    size_t slot = static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> shift);
    while (keys[slot] != 0 && keys[slot] != key) slot = (slot + 1) & (capacity - 1);
    if (keys[slot] == 0) {
      keys[slot] = key;
      numbers[slot] = static_cast<int64_t>(d.first.size());
      d.first.push_back(r);
    }
    d.ids[static_cast<size_t>(r)] = numbers[slot];
  }
  return d;
}

namespace {

// rows_of[f] = the table row of row c's category for feature f.
void table_rows(const float* table, int64_t dim, const int64_t* c, int64_t features, const int64_t* offsets,
                std::vector<const float*>& rows_of) {
  for (int64_t f = 0; f < features; ++f) rows_of[static_cast<size_t>(f)] = table + (c[f] + offsets[f]) * dim;
}

}  // namespace

void categorical_sums(const float* table, int64_t dim, const int64_t* categories, int64_t features,
                      const int64_t* offsets, const int64_t* rows_of_out, int64_t count, float* out) {
  if (features == 0) {
    std::memset(out, 0, sizeof(float) * static_cast<size_t>(count * dim));
    return;
  }
  std::vector<const float*> rows_of(static_cast<size_t>(features));
  for (int64_t k = 0; k < count; ++k) {
    table_rows(table, dim, categories + rows_of_out[k] * features, features, offsets, rows_of);
    sum_rows(rows_of.data(), features, dim, out + k * dim);
  }
}

void categorical_sum(const float* table, int64_t dim, const int64_t* categories, int64_t rows, int64_t features,
                     const int64_t* offsets, const int64_t* radix, float* out) {
  const DistinctRows d = distinct_rows(categories, rows, features, radix);
  if (features == 0) {
    std::memset(out, 0, sizeof(float) * static_cast<size_t>(rows * dim));
    return;
  }
  const auto row_bytes = sizeof(float) * static_cast<size_t>(dim);
  std::vector<const float*> rows_of(static_cast<size_t>(features));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t first = d.first[static_cast<size_t>(d.ids[static_cast<size_t>(r)])];
    if (first == r) {
      table_rows(table, dim, categories + r * features, features, offsets, rows_of);
      sum_rows(rows_of.data(), features, dim, out + r * dim);
    } else {
      std::memcpy(out + r * dim, out + first * dim, row_bytes);
    }
  }
}

void categorical_sum_backward(const float* grad, int64_t dim, const int64_t* categories, int64_t rows,
                              int64_t features, const int64_t* offsets, float* table_grad) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* g = grad + r * dim;
    for (int64_t f = 0; f < features; ++f)
      add_row(g, dim, table_grad + (categories[r * features + f] + offsets[f]) * dim);
  }
}

}  // namespace molprop::models

// ---- the bf16 conversion of dense.cpp (models/bf16.h) ----

namespace molprop::models {

__attribute__((target_clones("avx512f", "avx2", "default"))) void convert_to_bf16(const float* in, int64_t n,
                                                                                  uint16_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = to_bf16(in[i]);
}

}  // namespace molprop::models
