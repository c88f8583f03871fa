#include "models/precision.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/check.h"
#include "models/dense.h"

namespace molprop {
namespace {

using models::CpuFeatures;
using models::DensePath;
using models::PrecisionUse;
using models::resolve_precision;

CpuFeatures cpu(bool avx2, bool avx512, bool bf16) {
  CpuFeatures f;
  f.avx2 = avx2;
  f.avx512f = avx512;
  f.avx512_bf16 = bf16;
  return f;
}

TEST(Precision, Fp32IsTheReferencePathEverywhere) {
  for (const CpuFeatures& f : {cpu(false, false, false), cpu(true, true, true)}) {
    EXPECT_EQ(resolve_precision("fp32", f, PrecisionUse::kInference), DensePath::kReference);
    EXPECT_EQ(resolve_precision("fp32", f, PrecisionUse::kTraining), DensePath::kReference);
  }
}

TEST(Precision, Bf16OnACpuWithoutNativeBf16SaysSoInOneLine) {
  try {
    resolve_precision("bf16", cpu(true, true, false), PrecisionUse::kInference, "--precision");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    EXPECT_NE(m.find("--precision bf16 needs a CPU with native bfloat16"), std::string::npos) << m;
    EXPECT_NE(m.find("this CPU has avx2 avx512f"), std::string::npos) << m;
    EXPECT_NE(m.find("use fp32 or auto"), std::string::npos) << m;
  }
}

TEST(Precision, Bf16WithNativeSupport) {
  EXPECT_EQ(resolve_precision("bf16", cpu(true, true, true), PrecisionUse::kInference), DensePath::kOnednnBf16);
  CpuFeatures amx;
  amx.amx_bf16 = true;
  EXPECT_EQ(resolve_precision("bf16", amx, PrecisionUse::kTraining), DensePath::kOnednnBf16);
}

TEST(Precision, AutoPicksBf16ForInferenceOnlyWhereNative) {
  EXPECT_EQ(resolve_precision("auto", cpu(true, true, true), PrecisionUse::kInference), DensePath::kOnednnBf16);
  EXPECT_EQ(resolve_precision("auto", cpu(true, true, false), PrecisionUse::kInference), DensePath::kOnednnFp32);
  EXPECT_EQ(resolve_precision("auto", cpu(true, false, false), PrecisionUse::kInference), DensePath::kOnednnFp32);
  EXPECT_EQ(resolve_precision("auto", cpu(false, false, false), PrecisionUse::kInference), DensePath::kReference);
}

TEST(Precision, AutoTrainsInBf16WhereTheCpuHasItElseOnTheReferencePath) {
  EXPECT_EQ(resolve_precision("auto", cpu(true, true, true), PrecisionUse::kTraining), DensePath::kOnednnBf16);
  EXPECT_EQ(resolve_precision("auto", cpu(true, true, false), PrecisionUse::kTraining), DensePath::kReference);
  EXPECT_EQ(resolve_precision("auto", cpu(false, false, false), PrecisionUse::kTraining), DensePath::kReference);
  // The reference path stays available on request, bit-for-bit as before.
  EXPECT_EQ(resolve_precision("fp32", cpu(true, true, true), PrecisionUse::kTraining), DensePath::kReference);
}

TEST(Precision, UnknownNameListsTheChoices) {
  try {
    resolve_precision("fp16", cpu(true, true, true), PrecisionUse::kInference, "PredictCsvOptions::precision");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("PredictCsvOptions::precision"), std::string::npos) << m;
    EXPECT_NE(m.find("bf16"), std::string::npos) << m;
  }
}

// cpuid agrees with the kernel's view of the CPU.
TEST(Precision, DetectedFeaturesMatchProcCpuinfo) {
  std::ifstream in("/proc/cpuinfo");
  ASSERT_TRUE(in) << "no /proc/cpuinfo";
  std::string line, flags;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      flags = " " + line.substr(line.find(':') + 1) + " ";
      break;
    }
  }
  ASSERT_FALSE(flags.empty());
  auto has = [&](const char* f) { return flags.find(std::string(" ") + f + " ") != std::string::npos; };
  const CpuFeatures f = models::detect_cpu_features();
  EXPECT_EQ(f.avx2, has("avx2"));
  EXPECT_EQ(f.avx512f, has("avx512f"));
  EXPECT_EQ(f.avx512_bf16, has("avx512_bf16"));
  EXPECT_EQ(f.amx_bf16, has("amx_bf16"));
}

TEST(Precision, ApplySetsThePath) {
  EXPECT_EQ(models::apply_precision("fp32", PrecisionUse::kInference), models::dense_path_name(DensePath::kReference));
  EXPECT_EQ(models::dense_path(), DensePath::kReference);
}

}  // namespace
}  // namespace molprop
