#pragma once
// The arithmetic of models::CategoricalEmbedding (encoder.cpp), without LibTorch.
#include <cstdint>
#include <vector>

namespace molprop::models {

// A batch's rows of categories, each distinct combination numbered once, in order of first
// appearance: ids[r] is row r's number, first[k] the first row with number k (a batch of
// molecules has few distinct atom and bond types: ~60 among ~1,200 atoms of 48 ZINC molecules).
struct DistinctRows {
  std::vector<int64_t> ids;
  std::vector<int64_t> first;
};

// Row r's category for feature f is categories[r·features + f], in [0, radix[f]) (the [MASK]
// row included); throws molprop::Error naming the row and feature of one out of range.
DistinctRows distinct_rows(const int64_t* categories, int64_t rows, int64_t features, const int64_t* radix);

// out[k] = 0 + table[c(r,0) + offsets[0]] + table[c(r,1) + offsets[1]] + …, in feature order,
// for r = rows_of_out[k], k < count: the same additions in the same order as LibTorch's
// EmbeddingBag(sum), so bit for bit its values.
void categorical_sums(const float* table, int64_t dim, const int64_t* categories, int64_t features,
                      const int64_t* offsets, const int64_t* rows_of_out, int64_t count, float* out);

// EmbeddingBag(sum) of every row: the distinct rows summed once, copied to their repeats.
void categorical_sum(const float* table, int64_t dim, const int64_t* categories, int64_t rows, int64_t features,
                     const int64_t* offsets, const int64_t* radix, float* out);

// table_grad[c(r,f) + offsets[f]] += grad[r] for every row r and feature f, in that order.
void categorical_sum_backward(const float* grad, int64_t dim, const int64_t* categories, int64_t rows,
                              int64_t features, const int64_t* offsets, float* table_grad);

}  // namespace molprop::models
