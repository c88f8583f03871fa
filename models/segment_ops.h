#pragma once
// Row gathers and row sums over an index (the message passing of every encoder and the
// sum/mean readouts), with autograd, parallel in both directions and bit-for-bit
// LibTorch's own ops:
//   gather_rows(x, index)          = x.index_select(0, index)
//   sum_rows_into(x, index, rows)  = zeros(rows, …).index_add_(0, index, x)
// LibTorch 1.13's CPU index_add_ (the forward of a sum and the backward of every gather)
// runs one row at a time on the calling thread — a serial third of a small training step,
// with the other threads spinning. Here each output row is summed by one task over its
// source rows in increasing position, which is the order index_add_ adds them in, so the
// same floating-point sums come out (tests/models/segment_ops_test.cpp).
// Float32 tensors only; other types go through LibTorch's ops.
#include <torch/torch.h>

namespace molprop::models {

// The positions of `index` grouped by value, stable: value v owns
// order[offsets[v] .. offsets[v + 1]), in increasing position. Values must lie in [0, groups).
struct RowGroups {
  torch::Tensor offsets;  // groups + 1, int64
  torch::Tensor order;    // index.size(0), int64
  int64_t groups = 0;
};
RowGroups group_rows(const torch::Tensor& index, int64_t groups);

// x.index_select(0, index); its gradient sums rows with `groups_of_index`
// (group_rows(index, x.size(0))), computed here when not given.
torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index, const RowGroups* groups_of_index = nullptr);

// zeros({rows, x.size(1)}).index_add_(0, index, x), rows grouped by `groups_of_index`
// (group_rows(index, rows)), computed here when not given.
torch::Tensor sum_rows_into(const torch::Tensor& x, const torch::Tensor& index, int64_t rows,
                            const RowGroups* groups_of_index = nullptr);

}  // namespace molprop::models
