#include "models/segment_ops.h"

#include <ATen/Parallel.h>

#include "core/check.h"

namespace molprop::models {

namespace {

// out[g] = Σ x[order[k]] for k in [offsets[g], offsets[g+1]), added in that order onto 0.
__attribute__((target_clones("avx512f", "avx2", "default"))) void sum_groups(const float* x, const int64_t* offsets,
                                                                            const int64_t* order, int64_t first,
                                                                            int64_t last, int64_t h, float* out) {
  for (int64_t g = first; g < last; ++g) {
    float* o = out + g * h;
    for (int64_t j = 0; j < h; ++j) o[j] = 0.0f;
    for (int64_t k = offsets[g]; k < offsets[g + 1]; ++k) {
      const float* r = x + order[k] * h;
      for (int64_t j = 0; j < h; ++j) o[j] += r[j];
    }
  }
}

bool takes_fast_path(const torch::Tensor& x, const torch::Tensor& index) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() == 2 && index.dim() == 1 &&
         index.scalar_type() == torch::kInt64 && index.device().is_cpu();
}

torch::Tensor sum_by_groups(const torch::Tensor& x, const RowGroups& groups) {
  const torch::Tensor src = x.contiguous();
  const int64_t h = src.size(1);
  torch::Tensor out = torch::empty({groups.groups, h}, src.options());
  const float* x_p = src.data_ptr<float>();
  const int64_t* off = groups.offsets.data_ptr<int64_t>();
  const int64_t* ord = groups.order.data_ptr<int64_t>();
  float* out_p = out.data_ptr<float>();
  // Tasks of ~16k additions; each output row is one task's alone, so no two threads meet.
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, h));
  at::parallel_for(0, groups.groups, grain,
                   [&](int64_t first, int64_t last) { sum_groups(x_p, off, ord, first, last, h, out_p); });
  return out;
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class GatherRows : public torch::autograd::Function<GatherRows> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& index,
                               const RowGroups* groups) {
    if (x.requires_grad()) {
      ctx->saved_data["rows"] = x.size(0);
      ctx->saved_data["index"] = index;
      if (groups != nullptr) {
        ctx->saved_data["offsets"] = groups->offsets;
        ctx->saved_data["order"] = groups->order;
      }
    }
    return x.index_select(0, index);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const int64_t rows = ctx->saved_data["rows"].toInt();
    RowGroups groups;
    if (ctx->saved_data.count("offsets") > 0) {
      groups = RowGroups{ctx->saved_data["offsets"].toTensor(), ctx->saved_data["order"].toTensor(), rows};
    } else {
      groups = group_rows(ctx->saved_data["index"].toTensor(), rows);
    }
    return {sum_by_groups(grads[0], groups), torch::Tensor(), torch::Tensor()};
  }
};

class SumRowsInto : public torch::autograd::Function<SumRowsInto> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& index,
                               const RowGroups* groups) {
    ctx->saved_data["index"] = index;
    return sum_by_groups(x, *groups);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const torch::Tensor index = ctx->saved_data["index"].toTensor();
    return {grads[0].index_select(0, index), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

RowGroups group_rows(const torch::Tensor& index, int64_t groups) {
  const torch::Tensor idx = index.to(torch::kInt64).contiguous().cpu();
  const int64_t n = idx.size(0);
  const int64_t* v = idx.data_ptr<int64_t>();
  RowGroups out;
  out.groups = groups;
  out.offsets = torch::zeros({groups + 1}, torch::kInt64);
  out.order = torch::empty({n}, torch::kInt64);
  int64_t* off = out.offsets.data_ptr<int64_t>();
  int64_t* ord = out.order.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (v[i] < 0 || v[i] >= groups)
      throw Error("group_rows: index value " + std::to_string(v[i]) + " at position " + std::to_string(i) +
                        " is outside [0, " + std::to_string(groups) + ")");
    ++off[v[i] + 1];
  }
  for (int64_t g = 0; g < groups; ++g) off[g + 1] += off[g];
  std::vector<int64_t> next(off, off + groups);
  for (int64_t i = 0; i < n; ++i) ord[next[v[i]]++] = i;  // increasing i: stable
  return out;
}

torch::Tensor gather_rows(const torch::Tensor& x, const torch::Tensor& index, const RowGroups* groups_of_index) {
  if (!takes_fast_path(x, index) || !x.requires_grad() || !torch::GradMode::is_enabled())
    return x.index_select(0, index);
  return GatherRows::apply(x, index, groups_of_index);
}

torch::Tensor sum_rows_into(const torch::Tensor& x, const torch::Tensor& index, int64_t rows,
                            const RowGroups* groups_of_index) {
  if (!takes_fast_path(x, index))
    return torch::zeros({rows, x.size(1)}, x.options()).index_add_(0, index, x);
  RowGroups own;
  if (groups_of_index == nullptr) {
    own = group_rows(index, rows);
    groups_of_index = &own;
  }
  if (groups_of_index->groups != rows)
    throw Error("sum_rows_into: the groups cover " + std::to_string(groups_of_index->groups) + " rows, not " +
                      std::to_string(rows));
  if (!x.requires_grad() || !torch::GradMode::is_enabled()) return sum_by_groups(x, *groups_of_index);
  return SumRowsInto::apply(x, index, groups_of_index);
}

}  // namespace molprop::models
