#include "models/dense.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

#include "core/check.h"
#include "models/bf16.h"
#include "models/onednn_gemm.h"
#include "models/precision.h"

namespace molprop {
namespace {

using models::DensePath;

// Restores the process-wide path after each test.
class DenseTest : public ::testing::Test {
 protected:
  void TearDown() override { models::set_dense_path(DensePath::kReference); }
};

struct Grads {
  torch::Tensor y, gx, gw, gb;
};

Grads run(DensePath path, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& b0) {
  models::set_dense_path(path);
  torch::Tensor x = x0.clone().requires_grad_(true);
  torch::Tensor w = w0.clone().requires_grad_(true);
  torch::Tensor b = b0.defined() ? b0.clone().requires_grad_(true) : torch::Tensor();
  torch::Tensor y = models::dense(x, w, b);
  // A loss whose gradient differs per output element.
  (y * torch::arange(y.numel(), y.options()).reshape(y.sizes()).cos()).sum().backward();
  return {y.detach(), x.grad(), w.grad(), b.defined() ? b.grad() : torch::Tensor()};
}

double max_rel(const torch::Tensor& a, const torch::Tensor& ref) {
  return ((a - ref).abs().max() / ref.abs().max().clamp_min(1e-12)).item<double>();
}

TEST_F(DenseTest, ReferencePathIsTorchLinearBitForBit) {
  torch::manual_seed(0);
  const auto x = torch::randn({37, 19}), w = torch::randn({11, 19}), b = torch::randn({11});
  models::set_dense_path(DensePath::kReference);
  EXPECT_TRUE(torch::equal(models::dense(x, w, b), torch::linear(x, w, b)));
  EXPECT_TRUE(torch::equal(models::dense(x, w, {}), torch::linear(x, w, {})));
}

TEST_F(DenseTest, DenseModuleHasLinearsParametersAndInitialisation) {
  torch::manual_seed(3);
  torch::nn::Linear linear(8, 5);
  torch::manual_seed(3);
  models::Dense dense(8, 5);
  const auto a = linear->named_parameters(), d = dense->named_parameters();
  ASSERT_EQ(a.size(), d.size());
  for (const auto& p : a) {
    ASSERT_TRUE(d.contains(p.key())) << p.key();
    EXPECT_TRUE(torch::equal(p.value(), d[p.key()])) << p.key();
  }
}

TEST_F(DenseTest, OnednnFp32MatchesReferenceWithGradients) {
  torch::manual_seed(1);
  const auto x = torch::randn({300, 64}), w = torch::randn({48, 64}), b = torch::randn({48});
  const Grads ref = run(DensePath::kReference, x, w, b);
  const Grads dnn = run(DensePath::kOnednnFp32, x, w, b);
  EXPECT_LT(max_rel(dnn.y, ref.y), 1e-5);
  EXPECT_LT(max_rel(dnn.gx, ref.gx), 1e-5);
  EXPECT_LT(max_rel(dnn.gw, ref.gw), 1e-5);
  EXPECT_LT(max_rel(dnn.gb, ref.gb), 1e-5);
}

TEST_F(DenseTest, OnednnFp32WithoutBias) {
  torch::manual_seed(2);
  const auto x = torch::randn({17, 30}), w = torch::randn({30, 30});
  const Grads ref = run(DensePath::kReference, x, w, {});
  const Grads dnn = run(DensePath::kOnednnFp32, x, w, {});
  EXPECT_LT(max_rel(dnn.y, ref.y), 1e-5);
  EXPECT_LT(max_rel(dnn.gw, ref.gw), 1e-5);
  EXPECT_FALSE(dnn.gb.defined());
}

TEST_F(DenseTest, Bf16IsCloseToFp32WithGradients) {
  if (!models::detect_cpu_features().native_bf16() && !models::onednn_bf16_available()) {
    GTEST_FAIL() << "this CPU runs no oneDNN bf16 matmul; the bf16 path cannot be tested here";
  }
  torch::manual_seed(4);
  const auto x = torch::randn({500, 300}), w = torch::randn({300, 300}) / 17.0, b = torch::randn({300});
  const Grads ref = run(DensePath::kReference, x, w, b);
  const Grads bf = run(DensePath::kOnednnBf16, x, w, b);
  // bf16 keeps 8 significant bits: relative error of a rounded product ~2⁻⁸, of a sum of
  // 300 of them much less (errors cancel). Accumulation is fp32.
  EXPECT_LT(max_rel(bf.y, ref.y), 2e-2);
  EXPECT_GT(max_rel(bf.y, ref.y), 0.0) << "bf16 gave fp32's exact result: was bf16 used at all?";
  EXPECT_LT(max_rel(bf.gx, ref.gx), 2e-2);
  EXPECT_LT(max_rel(bf.gw, ref.gw), 2e-2);
  EXPECT_EQ(bf.y.scalar_type(), torch::kFloat32);
}

TEST(Bf16, ConversionRoundsAsTensorToDoes) {
  // Ties to even, carries into the exponent, infinities, NaN, subnormals, signed zeros and
  // the largest finite floats (which round to infinity).
  torch::manual_seed(9);
  std::vector<float> values = {0.0f, -0.0f, 1.0f, -1.0f, 1.00390625f, 1.01171875f, 3.0e38f, -3.4e38f,
                               1e-40f, -1e-42f, std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                               std::numeric_limits<float>::max(), 65535.5f, 0.1f};
  const auto random = torch::randn({1001}) * 1000;
  values.insert(values.end(), random.data_ptr<float>(), random.data_ptr<float>() + random.numel());
  const auto x = torch::tensor(values);
  const auto ref = x.to(torch::kBFloat16);
  auto out = torch::empty({x.numel()}, torch::kBFloat16);
  models::convert_to_bf16(x.data_ptr<float>(), x.numel(), reinterpret_cast<uint16_t*>(out.data_ptr<at::BFloat16>()));
  const auto* a = reinterpret_cast<const uint16_t*>(out.data_ptr<at::BFloat16>());
  const auto* b = reinterpret_cast<const uint16_t*>(ref.data_ptr<at::BFloat16>());
  auto is_nan = [](uint16_t v) { return (v & 0x7F80u) == 0x7F80u && (v & 0x007Fu) != 0; };
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (values[i] != values[i]) {  // a NaN stays a NaN (LibTorch's vector loop writes 0xFFFF, its scalar one 0x7FC0)
      EXPECT_TRUE(is_nan(a[i]) && is_nan(b[i]));
    } else {
      EXPECT_EQ(a[i], b[i]) << "value " << values[i];
    }
  }
}

TEST_F(DenseTest, EmptyBatch) {
  const auto x = torch::zeros({0, 6}), w = torch::randn({4, 6}), b = torch::randn({4});
  for (DensePath p : {DensePath::kReference, DensePath::kOnednnFp32}) {
    models::set_dense_path(p);
    const auto y = models::dense(x, w, b);
    EXPECT_EQ(y.size(0), 0);
    EXPECT_EQ(y.size(1), 4);
  }
}

TEST_F(DenseTest, NonContiguousInput) {
  torch::manual_seed(5);
  const auto big = torch::randn({20, 40});
  const auto x = big.t();  // 40 × 20, not contiguous
  const auto w = torch::randn({7, 20});
  models::set_dense_path(DensePath::kOnednnFp32);
  EXPECT_LT(max_rel(models::dense(x, w, {}), torch::linear(x, w, {})), 1e-5);
}

TEST_F(DenseTest, WidthMismatchIsAnError) {
  models::set_dense_path(DensePath::kOnednnFp32);
  try {
    models::dense(torch::zeros({2, 5}), torch::zeros({3, 4}), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("width 5, expected 4"), std::string::npos) << e.what();
  }
}

TEST(OnednnGemm, TransposedOperandsMatchTorch) {
  torch::manual_seed(6);
  const auto a = torch::randn({13, 9}), b = torch::randn({9, 21});
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const torch::Tensor sa = ta ? a.t().contiguous() : a;  // stored K × M when transposed
      const torch::Tensor sb = tb ? b.t().contiguous() : b;
      torch::Tensor c = torch::empty({13, 21});
      models::GemmOperands op;
      op.m = 13, op.n = 21, op.k = 9;
      op.a = sa.data_ptr(), op.trans_a = ta, op.b = sb.data_ptr(), op.trans_b = tb, op.c = c.data_ptr<float>();
      models::onednn_gemm(op);
      EXPECT_LT(max_rel(c, torch::mm(a, b)), 1e-5) << "trans_a " << ta << " trans_b " << tb;
    }
  }
}

TEST(ScopedThreads, SetsTheCallingThreadsThreadsOnly) {
  models::set_dense_threads(2);
  at::set_num_threads(2);
  {
    models::ScopedThreads one(1);
    EXPECT_EQ(models::dense_threads(), 1);
    EXPECT_EQ(at::get_num_threads(), 1);
    int other_dense = 0;
    std::thread([&] { other_dense = models::dense_threads(); }).join();
    EXPECT_EQ(other_dense, 2);  // another thread keeps the process's setting
    {
      models::ScopedThreads three(3);
      EXPECT_EQ(models::dense_threads(), 3);
    }
    EXPECT_EQ(models::dense_threads(), 1);
  }
  EXPECT_EQ(models::dense_threads(), 2);
  EXPECT_EQ(at::get_num_threads(), 2);
  EXPECT_THROW(models::ScopedThreads(0), Error);
  models::set_dense_threads(0);
}

}  // namespace
}  // namespace molprop
