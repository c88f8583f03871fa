#include "training/device.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include "core/check.h"

namespace molprop {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& spec) {
  try {
    training::resolve_device(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ResolveDevice, CpuIsAlwaysAvailable) {
  EXPECT_TRUE(training::resolve_device("cpu").is_cpu());
  EXPECT_EQ(training::resolve_device("cpu"), torch::Device(torch::kCPU));
}

TEST(ResolveDevice, CudaWithoutCudaIsOneClearError) {
  if (torch::cuda::is_available()) {
    EXPECT_TRUE(training::resolve_device("cuda").is_cuda());
    const int count = static_cast<int>(torch::cuda::device_count());
    EXPECT_THAT(error_of("cuda:" + std::to_string(count)),
                HasSubstr("only " + std::to_string(count) + " CUDA device(s) visible"));
    return;
  }
  for (const char* spec : {"cuda", "cuda:0", "cuda:3"}) {
    SCOPED_TRACE(spec);
    // The library names the value; cli/ puts "--device" in front (CliDevice.* checks that).
    const std::string e = error_of(spec);
    EXPECT_THAT(e, HasSubstr(std::string(spec) + ": no CUDA here"));
    EXPECT_EQ(e.find('\n'), std::string::npos) << "one line";
  }
}

TEST(ResolveDevice, MalformedSpecIsAnErrorNamingIt) {
  for (const char* spec : {"gpu", "", "cuda:x", "cpu:-"}) {
    SCOPED_TRACE(spec);
    EXPECT_THAT(error_of(spec), HasSubstr(std::string("'") + spec + "' is not a device; use cpu, cuda or cuda:K"));
  }
}

TEST(ResolveDevice, OtherDeviceTypesAreRefused) {
  EXPECT_THAT(error_of("mps"), HasSubstr("only cpu and cuda devices are supported"));
}

}  // namespace
}  // namespace molprop
