#include "models/precision.h"

#include <cpuid.h>

#include "core/check.h"
#include "core/options.h"
#include "models/dense.h"
#include "models/onednn_gemm.h"

namespace molprop::models {

std::string CpuFeatures::describe() const {
  std::string s;
  auto add = [&](bool present, const char* name) {
    if (!present) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(avx2, "avx2");
  add(avx512f, "avx512f");
  add(avx512_bf16, "avx512_bf16");
  add(amx_bf16, "amx_bf16");
  return s.empty() ? "none" : s;
}

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  // The OS must save the AVX (and AVX-512) register state: XCR0 bits 1–2 (and 5–7).
  __cpuid(1, eax, ebx, ecx, edx);
  const bool osxsave = (ecx >> 27) & 1u;
  unsigned long long xcr0 = 0;
  if (osxsave) {
    unsigned lo = 0, hi = 0;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
  }
  const bool os_avx = (xcr0 & 0x6) == 0x6;
  const bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  f.avx2 = os_avx && ((ebx >> 5) & 1u);
  f.avx512f = os_avx512 && ((ebx >> 16) & 1u);
  f.amx_bf16 = os_amx && ((edx >> 22) & 1u);
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  f.avx512_bf16 = os_avx512 && ((eax >> 5) & 1u);
  return f;
}

DensePath resolve_precision(const std::string& precision, const CpuFeatures& features, PrecisionUse use,
                            const std::string& field) {
  core::check_choice(field.c_str(), precision, precision_choices());
  if (precision == "fp32") return DensePath::kReference;
  if (precision == "bf16") {
    if (!features.native_bf16()) {
      throw Error(field + " bf16 needs a CPU with native bfloat16 arithmetic (AVX512-BF16 or AMX-BF16); this CPU has " +
                  features.describe() + " — use fp32 or auto");
    }
    return DensePath::kOnednnBf16;
  }
  // auto. Training: bf16 where the CPU has it natively — on an idle machine it trained ESOL
  // 1.7x and Lipophilicity 2.8x faster than the reference path, with test RMSE within the
  // seed-to-seed spread (scaffold split, 3 seeds; docs/performance.md) — else the reference
  // path (oneDNN fp32 trained no faster than OpenBLAS on two cores).
  if (use == PrecisionUse::kTraining) return features.native_bf16() ? DensePath::kOnednnBf16 : DensePath::kReference;
  if (features.native_bf16()) return DensePath::kOnednnBf16;
  if (features.avx512f || features.avx2) return DensePath::kOnednnFp32;
  return DensePath::kReference;
}

std::string apply_precision(const std::string& precision, PrecisionUse use, const std::string& field) {
  DensePath path = resolve_precision(precision, detect_cpu_features(), use, field);
  if (path == DensePath::kOnednnBf16 && !onednn_bf16_available()) {
    if (precision == "bf16") throw Error(field + " bf16: oneDNN cannot create a bf16 matmul on this CPU");
    path = DensePath::kOnednnFp32;
  }
  set_dense_path(path);
  return dense_path_name(path);
}

}  // namespace molprop::models
