#pragma once
// The arithmetic of every dense (linear) layer, chosen once per process:
//
//   kReference  torch::linear, i.e. LibTorch's BLAS (OpenBLAS on Debian): the fp32 path
//               molprop has always used; results bit-for-bit as before.
//   kOnednnFp32 oneDNN's fp32 matmul (AVX-512 / AVX2 JIT kernels).
//   kOnednnBf16 oneDNN's bf16 matmul: inputs and weights rounded to bfloat16, products
//               accumulated and written in fp32 (native on CPUs with AVX512-BF16/AMX).
//               Element-wise work, reductions and losses stay fp32.
//
// training/precision.h maps the user's --precision (fp32 | bf16 | auto) and the CPU's
// features to a path and sets it. Gradients flow through every path (mixed precision for
// bf16: the backward products are bf16 × bf16 → fp32 as well). CUDA tensors always take
// the reference path.
#include <torch/torch.h>

#include <string>

namespace molprop::models {

enum class DensePath { kReference, kOnednnFp32, kOnednnBf16 };

// Process-wide; set before running models (thread-safe to read while models run).
void set_dense_path(DensePath path);
DensePath dense_path();
// "reference (LibTorch BLAS, fp32)", "oneDNN fp32", "oneDNN bf16 (fp32 accumulation)".
std::string dense_path_name(DensePath path);

// Threads of each oneDNN product (OpenMP, set around the call only, so LibTorch's own
// element-wise ops keep their setting); 0: whatever OpenMP has. Process-wide.
void set_dense_threads(int n);
// The calling thread's setting: its ScopedThreads override, else the process's.
int dense_threads();

// While alive, the calling thread's own work runs on `n` threads (n ≥ 1): its dense
// products and fused D-MPNN loops (dense_threads, whatever set_dense_threads says) and
// LibTorch's intra-op ops (OpenMP's team size is a per-thread setting). Other threads keep
// theirs. A training worker that runs its part of a batch beside others sets 1. Restores
// both on destruction.
class ScopedThreads {
 public:
  explicit ScopedThreads(int n);
  ~ScopedThreads();
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int saved_dense_, saved_openmp_;
};

// y = x · Wᵀ + b through dense_path(); x is rows × in, W out × in, b out (or undefined).
torch::Tensor dense(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// torch::nn::Linear whose forward goes through dense(): same parameters ("weight",
// "bias"), same initialisation, so checkpoints and seeds are unchanged.
class DenseImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& x) { return dense(x, weight, bias); }
};
TORCH_MODULE(Dense);

}  // namespace molprop::models
