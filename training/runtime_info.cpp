#include "training/runtime_info.h"

#include "models/dense.h"
#include "models/onednn_gemm.h"
#include "models/precision.h"

#include <dlfcn.h>
#include <malloc.h>
#include <limits.h>
#include <stdlib.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>

namespace molprop::training {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.torch_version = TORCH_VERSION;
  info.intra_op_threads = at::get_num_threads();
  info.inter_op_threads = at::get_num_interop_threads();
  info.blas_library = "unknown";
  // The global symbol lookup finds the same sgemm_ that libtorch's calls bind to.
  if (void* sym = ::dlsym(RTLD_DEFAULT, "sgemm_")) {
    Dl_info dl{};
    if (::dladdr(sym, &dl) != 0 && dl.dli_fname) {
      char resolved[PATH_MAX];
      info.blas_library = ::realpath(dl.dli_fname, resolved) ? resolved : dl.dli_fname;
    }
  }
  using ConfigFn = char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(::dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    info.blas_config = fn();
  }
  info.reference_blas =
      info.blas_library.find("/blas/libblas") != std::string::npos ||
      (info.blas_config.empty() && info.blas_library.find("openblas") == std::string::npos &&
       info.blas_library.find("mkl") == std::string::npos && info.blas_library.find("blis") == std::string::npos);
  return info;
}

void set_num_threads(int n) {
  if (n > 0) at::set_num_threads(n);
}

void configure_threads(int n) {
  at::set_num_threads(1);
  set_blas_threads(n);
  models::set_dense_threads(n);
}

void configure_worker_threads() {
  at::set_num_threads(1);
  set_blas_threads(1);
  models::set_dense_threads(1);
}

bool set_blas_threads(int n) {
  using SetFn = void (*)(int);
  auto fn = reinterpret_cast<SetFn>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!fn || n <= 0) return false;
  fn(n);
  return true;
}

namespace {

// Repeats `product` for about `seconds` after one warm-up call; GFLOP/s of an m×k·k×n product.
template <typename F>
double gflops(int m, int k, int n, double seconds, F&& product) {
  product();  // warm-up (primitive creation, first touch of the output)
  int64_t reps = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    product();
    ++reps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return 2.0 * m * k * n * static_cast<double>(reps) / elapsed / 1e9;
}

// oneDNN's matmul alone: operands already in `type`, the output allocated once.
double onednn_gflops(models::GemmType type, const torch::Tensor& x, const torch::Tensor& w, torch::Tensor& y,
                     double seconds) {
  const auto dtype = type == models::GemmType::kBFloat16 ? torch::kBFloat16 : torch::kFloat32;
  const torch::Tensor xc = x.to(dtype).contiguous(), wc = w.to(dtype).contiguous();
  models::GemmOperands op;
  op.type = type;
  op.m = x.size(0);
  op.k = x.size(1);
  op.n = w.size(0);
  op.a = xc.data_ptr();
  op.b = wc.data_ptr();
  op.trans_b = true;
  op.c = y.data_ptr<float>();
  op.threads = models::dense_threads();
  return gflops(static_cast<int>(op.m), static_cast<int>(op.k), static_cast<int>(op.n), seconds,
                [&] { models::onednn_gemm(op); });
}

}  // namespace

double measure_sgemm_gflops(int m, int k, int n, double seconds) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  auto a = torch::randn({m, k});
  auto b = torch::randn({k, n});
  torch::Tensor c;
  return gflops(m, k, n, seconds, [&] { c = torch::mm(a, b); });
}

GemmPeaks measure_gemm_peaks(int m, int k, int n, double seconds) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({m, k});
  const torch::Tensor w = torch::randn({n, k});
  torch::Tensor y = torch::empty({m, n});
  const torch::Tensor wt = w.t();
  GemmPeaks p;
  // The bare products, without the dense layer's conversions and allocations: the
  // machine's arithmetic limit that the models' rates are compared with.
  p.openblas_fp32 = gflops(m, k, n, seconds, [&] { torch::mm_out(y, x, wt); });
  p.onednn_fp32 = onednn_gflops(models::GemmType::kFloat32, x, w, y, seconds);
  if (models::detect_cpu_features().native_bf16()) {
    p.onednn_bf16 = onednn_gflops(models::GemmType::kBFloat16, x, w, y, seconds);
  }
  return p;
}

void configure_allocator_for_training() {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
}

void configure_allocator_for_streaming() {
  mallopt(M_ARENA_MAX, 2);
  configure_allocator_for_training();
}

}  // namespace molprop::training
