#include "models/segment_ops.h"

#include <ATen/Parallel.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/check.h"

namespace molprop {
namespace {

using ::testing::HasSubstr;

// Values with many significant bits, so that a different order of additions shows.
torch::Tensor rows(int64_t n, int64_t h, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn({n, h}) * torch::exp(torch::randn({n, 1}) * 3);
}

// An index with repeated values, values that never occur (empty groups) and values out of order.
torch::Tensor scattered_index(int64_t n, int64_t groups, uint64_t seed) {
  torch::manual_seed(seed);
  torch::Tensor index = torch::randint(0, groups - 2, {n}, torch::kInt64);
  return index + (index >= 3).to(torch::kInt64);  // value 3 and the last value stay empty
}

void expect_bitwise_equal(const torch::Tensor& a, const torch::Tensor& b) {
  ASSERT_EQ(a.sizes(), b.sizes());
  ASSERT_EQ(a.scalar_type(), b.scalar_type());
  // Equal as bit patterns, not just as values (0.0 and −0.0 aside, which index_add_ makes alike too).
  EXPECT_TRUE(torch::equal(a, b)) << "max |Δ| " << (a - b).abs().max().item<float>();
}

TEST(SegmentOps, GroupRowsIsAStableCountingSort) {
  const torch::Tensor index = torch::tensor({2, 0, 2, 1, 0, 2}, torch::kInt64);
  const models::RowGroups g = models::group_rows(index, 4);
  EXPECT_EQ(g.groups, 4);
  EXPECT_TRUE(torch::equal(g.offsets, torch::tensor({0, 2, 3, 6, 6}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(g.order, torch::tensor({1, 4, 3, 0, 2, 5}, torch::kInt64)));
}

TEST(SegmentOps, GroupRowsRefusesAValueOutsideTheGroups) {
  try {
    models::group_rows(torch::tensor({0, 3}, torch::kInt64), 3);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("index value 3 at position 1 is outside [0, 3)"));
  }
}

// Forward and gradient of both ops are LibTorch's own, bit for bit, on one and two threads.
TEST(SegmentOps, SumAndGatherAreBitForBitIndexAddAndIndexSelectWithTheirGradients) {
  const int saved = at::get_num_threads();
  for (int threads : {1, 2}) {
    at::set_num_threads(threads);
    for (int64_t h : {1, 7, 300}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", width " + std::to_string(h));
      const int64_t n = 2000, groups = 300;
      const torch::Tensor index = scattered_index(n, groups, 11 + h);
      const torch::Tensor upstream_sum = rows(groups, h, 3);
      const torch::Tensor upstream_gather = rows(n, h, 4);

      // sum_rows_into vs zeros().index_add_()
      torch::Tensor x_ref = rows(n, h, 1).requires_grad_(true);
      torch::Tensor x_new = x_ref.detach().clone().requires_grad_(true);
      const torch::Tensor ref = torch::zeros({groups, h}).index_add_(0, index, x_ref);
      const torch::Tensor got = models::sum_rows_into(x_new, index, groups);
      expect_bitwise_equal(got, ref);
      (ref * upstream_sum).sum().backward();
      (got * upstream_sum).sum().backward();
      expect_bitwise_equal(x_new.grad(), x_ref.grad());

      // gather_rows vs index_select, with and without precomputed groups
      const models::RowGroups by_index = models::group_rows(index, groups);
      for (const models::RowGroups* given : {static_cast<const models::RowGroups*>(nullptr), &by_index}) {
        torch::Tensor a_ref = rows(groups, h, 2).requires_grad_(true);
        torch::Tensor a_new = a_ref.detach().clone().requires_grad_(true);
        const torch::Tensor gathered_ref = a_ref.index_select(0, index);
        const torch::Tensor gathered = models::gather_rows(a_new, index, given);
        expect_bitwise_equal(gathered, gathered_ref);
        (gathered_ref * upstream_gather).sum().backward();
        (gathered * upstream_gather).sum().backward();
        expect_bitwise_equal(a_new.grad(), a_ref.grad());
        // The untouched groups (values 3 and groups − 1) get a zero gradient.
        EXPECT_EQ(a_new.grad()[3].abs().sum().item<float>(), 0.0f);
      }
    }
  }
  at::set_num_threads(saved);
}

TEST(SegmentOps, OtherTypesAndNoGradientGoThroughLibTorch) {
  const torch::Tensor index = torch::tensor({1, 0, 1}, torch::kInt64);
  const torch::Tensor x = torch::tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, torch::kFloat64);
  expect_bitwise_equal(models::sum_rows_into(x, index, 3), torch::zeros({3, 2}, torch::kFloat64).index_add_(0, index, x));
  expect_bitwise_equal(models::gather_rows(x, index), x.index_select(0, index));
  const torch::Tensor xf = x.to(torch::kFloat32);
  torch::NoGradGuard no_grad;
  expect_bitwise_equal(models::sum_rows_into(xf, index, 2), torch::tensor({{3.0f, 4.0f}, {6.0f, 8.0f}}));
}

TEST(SegmentOps, GroupsOfAnotherSizeAreRefused) {
  const torch::Tensor index = torch::tensor({1, 0}, torch::kInt64);
  const models::RowGroups g = models::group_rows(index, 2);
  try {
    models::sum_rows_into(torch::ones({2, 3}), index, 5, &g);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("the groups cover 2 rows, not 5"));
  }
}

}  // namespace
}  // namespace molprop
