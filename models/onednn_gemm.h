#pragma once
// One matrix product through oneDNN's matmul primitive (the oneDNN that LibTorch itself
// links): C = op(A) · op(B) (+ bias), C float32 row-major M × N. A and B are either both
// float32 or both bfloat16 (the bf16 kernels accumulate in float32 and write float32).
// Shapes are runtime arguments: one primitive per (type, layout, bias) and thread, built
// on first use, so batches of every size reuse it without JIT compilation.
//
// Threads: oneDNN parallelises with OpenMP over omp_get_max_threads() of the calling
// thread (at::set_num_threads sets it), so a caller that runs its own workers gives each
// of them one thread and no OpenMP team is spun up.
#include <cstdint>

namespace molprop::models {

enum class GemmType { kFloat32, kBFloat16 };

struct GemmOperands {
  GemmType type = GemmType::kFloat32;
  int64_t m = 0, n = 0, k = 0;
  const void* a = nullptr;  // M × K row-major, or K × M row-major when trans_a
  bool trans_a = false;
  const void* b = nullptr;  // K × N row-major, or N × K row-major when trans_b
  bool trans_b = false;
  const float* bias = nullptr;  // N floats added to every row, or nullptr
  float* c = nullptr;           // M × N float32 row-major, overwritten
  int threads = 0;              // OpenMP threads for this product (restored after); 0: as set
};

// Runs the product; throws molprop::Error naming oneDNN's status when the primitive
// cannot be created or run (e.g. bf16 on a CPU without AVX-512).
void onednn_gemm(const GemmOperands& op);

// True when oneDNN can create a bf16 matmul on this CPU (native or emulated).
bool onednn_bf16_available();

}  // namespace molprop::models
