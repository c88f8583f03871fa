#include "models/dense.h"

#include <ATen/Parallel.h>
#include <omp.h>

#include <atomic>

#include "core/check.h"
#include "models/bf16.h"
#include "models/onednn_gemm.h"

namespace molprop::models {
namespace {

std::atomic<DensePath> g_path{DensePath::kReference};
std::atomic<int> g_threads{0};
thread_local int t_threads = 0;  // ScopedThreads; 0 = none

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

GemmType gemm_type(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 ? GemmType::kBFloat16 : GemmType::kFloat32;
}

// t in `type`, contiguous; fp32 → bf16 on the CPU by a vectorised loop (Tensor::to's rounding:
// its copy_ kernel was 5 % of a predict run's model time).
torch::Tensor contiguous_as(const torch::Tensor& t, torch::ScalarType type) {
  if (type == torch::kBFloat16 && t.scalar_type() == torch::kFloat32 && t.device().is_cpu()) {
    const torch::Tensor src = t.contiguous();
    torch::Tensor out = torch::empty(src.sizes(), src.options().dtype(torch::kBFloat16));
    convert_to_bf16(src.data_ptr<float>(), src.numel(), reinterpret_cast<uint16_t*>(out.data_ptr<at::BFloat16>()));
    return out;
  }
  return t.to(type).contiguous();
}

// out (M × N fp32) = op(a) · op(b); a, b contiguous and of the same type.
void gemm(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b, const torch::Tensor& bias,
          torch::Tensor& out) {
  GemmOperands op;
  op.type = gemm_type(a);
  op.m = trans_a ? a.size(1) : a.size(0);
  op.k = trans_a ? a.size(0) : a.size(1);
  op.n = trans_b ? b.size(0) : b.size(1);
  op.a = a.data_ptr();
  op.trans_a = trans_a;
  op.b = b.data_ptr();
  op.trans_b = trans_b;
  op.bias = bias.defined() ? bias.data_ptr<float>() : nullptr;
  out = torch::empty({op.m, op.n}, a.options().dtype(torch::kFloat32));
  op.c = out.data_ptr<float>();
  op.threads = dense_threads();
  onednn_gemm(op);
}

// y = x · Wᵀ + b with oneDNN; the backward products use the same kernels and type.
class OnednnLinear : public torch::autograd::Function<OnednnLinear> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, bool bf16) {
    const auto type = bf16 ? torch::kBFloat16 : torch::kFloat32;
    const torch::Tensor xc = contiguous_as(x, type);
    const torch::Tensor wc = contiguous_as(weight, type);
    // An absent bias arrives as a 0-element tensor (autograd inputs must be defined).
    const bool has_bias = bias.numel() > 0;
    const torch::Tensor bc = has_bias ? bias.to(torch::kFloat32).contiguous() : torch::Tensor();
    torch::Tensor y;
    gemm(xc, false, wc, true, bc, y);
    ctx->save_for_backward({xc, wc});
    ctx->saved_data["has_bias"] = has_bias;
    return y;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& xc = saved[0];
    const torch::Tensor& wc = saved[1];
    const torch::Tensor gy = grad_outputs[0].to(xc.scalar_type()).contiguous();
    torch::Tensor gx, gw, gb;
    if (ctx->needs_input_grad(0)) gemm(gy, false, wc, false, {}, gx);  // (M×N)·(N×K)
    if (ctx->needs_input_grad(1)) gemm(gy, true, xc, false, {}, gw);   // (N×M)·(M×K)
    if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) {
      gb = grad_outputs[0].to(torch::kFloat32).sum(0);
    }
    return {gx, gw, gb, torch::Tensor()};
  }
};

}  // namespace

void set_dense_path(DensePath path) { g_path.store(path); }
void set_dense_threads(int n) { g_threads.store(n > 0 ? n : 0); }
int dense_threads() { return t_threads > 0 ? t_threads : g_threads.load(); }

ScopedThreads::ScopedThreads(int n) : saved_dense_(t_threads), saved_openmp_(0) {
  MOLPROP_CHECK(n >= 1, "ScopedThreads: n must be at least 1, got " << n);
  // LibTorch sets a thread's OpenMP team size lazily at its first parallel op, from its
  // process-wide setting: take that first, so it cannot overwrite ours later.
  saved_openmp_ = at::get_num_threads();
  omp_set_num_threads(n);
  t_threads = n;
}

ScopedThreads::~ScopedThreads() {
  t_threads = saved_dense_;
  omp_set_num_threads(saved_openmp_);
}
DensePath dense_path() { return g_path.load(); }

std::string dense_path_name(DensePath path) {
  switch (path) {
    case DensePath::kReference:
      return "reference (LibTorch BLAS, fp32)";
    case DensePath::kOnednnFp32:
      return "oneDNN fp32";
    case DensePath::kOnednnBf16:
      return "oneDNN bf16 (fp32 accumulation)";
  }
  return "unknown";
}

torch::Tensor dense(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  const DensePath path = dense_path();
  if (path == DensePath::kReference || !x.device().is_cpu() || x.dim() != 2 || x.scalar_type() != torch::kFloat32) {
    return torch::linear(x, weight, bias);
  }
  MOLPROP_CHECK(x.size(1) == weight.size(1),
                "dense layer input has width " << x.size(1) << ", expected " << weight.size(1));
  return OnednnLinear::apply(x, weight, bias.defined() ? bias : weight.new_empty({0}), path == DensePath::kOnednnBf16);
}

}  // namespace molprop::models
