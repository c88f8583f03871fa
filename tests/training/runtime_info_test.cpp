#include "training/runtime_info.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

namespace molprop {
namespace {

TEST(RuntimeInfo, ReportsTheTorchVersionAndABlasLibrary) {
  const training::RuntimeInfo info = training::runtime_info();
  EXPECT_FALSE(info.torch_version.empty());
  EXPECT_NE(info.torch_version.find('.'), std::string::npos);
  ASSERT_FALSE(info.blas_library.empty());
  if (info.blas_library != "unknown") {
    EXPECT_TRUE(std::filesystem::exists(info.blas_library)) << info.blas_library;
  }
  // OpenBLAS describes itself and is never the reference implementation.
  if (!info.blas_config.empty()) {
    EXPECT_FALSE(info.reference_blas) << info.blas_config;
  }
  if (info.blas_library.find("/blas/libblas") != std::string::npos) {
    EXPECT_TRUE(info.reference_blas);
  }
  EXPECT_GE(info.intra_op_threads, 1);
  EXPECT_GE(info.inter_op_threads, 1);
}

TEST(RuntimeInfo, ThreadSettingsAreAppliedAndReported) {
  training::set_num_threads(2);
  EXPECT_EQ(training::runtime_info().intra_op_threads, 2);
  EXPECT_EQ(at::get_num_threads(), 2);
  training::set_num_threads(0);  // ≤ 0 leaves the setting alone
  EXPECT_EQ(training::runtime_info().intra_op_threads, 2);
  training::set_num_threads(-4);
  EXPECT_EQ(training::runtime_info().intra_op_threads, 2);
  training::configure_threads(3);  // policy: LibTorch's own ops on the calling thread
  EXPECT_EQ(training::runtime_info().intra_op_threads, 1);
}

TEST(RuntimeInfo, BlasThreadsAreSetOnlyOnOpenBlas) {
  const bool openblas = !training::runtime_info().blas_config.empty();
  EXPECT_EQ(training::set_blas_threads(1), openblas);
  EXPECT_FALSE(training::set_blas_threads(0));
}

TEST(MeasureSgemm, TinyProductGivesAPositiveFiniteRate) {
  const double gflops = training::measure_sgemm_gflops(8, 8, 8, /*seconds=*/0.0);
  EXPECT_GT(gflops, 0);
  EXPECT_TRUE(std::isfinite(gflops));
}

}  // namespace
}  // namespace molprop
