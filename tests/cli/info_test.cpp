// End-to-end: `molprop info` reports versions and a real (not reference) BLAS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/util/cli_util.h"

using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;

TEST(CliInfo, ReportsVersionsThreadsAndBlas) {
  auto r = run_molprop("info --threads 1", ::testing::TempDir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("RDKit        20"));
  EXPECT_THAT(r.out, HasSubstr("LibTorch     1."));
  EXPECT_THAT(r.out, HasSubstr("HDF5         1."));
  EXPECT_THAT(r.out, HasSubstr("threads      1"));
  EXPECT_THAT(r.out, HasSubstr("BLAS"));
  // The project installs OpenBLAS; the reference BLAS warning must not appear here.
  EXPECT_THAT(r.out, HasSubstr("openblas"));
  EXPECT_EQ(r.err.find("WARNING"), std::string::npos) << r.err;
}
