#pragma once
// --precision fp32 | bf16 | auto → the dense-layer path (models/dense.h), from the CPU's
// features. No torch here: commands and `molprop info` include this header.
//
//   fp32  the reference path (LibTorch's BLAS): results bit-for-bit as before.
//   bf16  oneDNN bf16 with fp32 accumulation; refused on a CPU without native bf16
//         (AVX512-BF16 or AMX-BF16), where oneDNN would emulate it slower than fp32.
//   auto  inference: bf16 where the CPU has native bf16, else oneDNN fp32 where it has
//         AVX-512 or AVX2, else the reference path. Training: bf16 where the CPU has native
//         bf16 (same test RMSE within the seed spread, 1.7-2.8x faster; docs/performance.md),
//         else the reference path.
#include <string>
#include <vector>

namespace molprop::models {

enum class DensePath;

struct CpuFeatures {
  bool avx2 = false;
  bool avx512f = false;
  bool avx512_bf16 = false;
  bool amx_bf16 = false;
  bool native_bf16() const { return avx512_bf16 || amx_bf16; }
  // "avx2 avx512f avx512_bf16" (the ones present), "none" when none is.
  std::string describe() const;
};

// This CPU's features (cpuid).
CpuFeatures detect_cpu_features();

inline const std::vector<std::string>& precision_choices() {
  static const std::vector<std::string> choices = {"auto", "fp32", "bf16"};
  return choices;
}

enum class PrecisionUse { kInference, kTraining };

// The path for `precision` ("fp32", "bf16", "auto") on a CPU with `features`. Throws
// molprop::Error for an unknown name, and for "bf16" on a CPU without native bf16 (one
// line naming the CPU's features and the choices that work). `field` names the option in
// messages (e.g. "PredictCsvOptions::precision").
DensePath resolve_precision(const std::string& precision, const CpuFeatures& features, PrecisionUse use,
                            const std::string& field = "precision");

// resolve_precision on this CPU, then set_dense_path; returns the path's name for the
// command's summary line.
std::string apply_precision(const std::string& precision, PrecisionUse use, const std::string& field = "precision");

}  // namespace molprop::models
