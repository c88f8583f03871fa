#include "training/runtime_info.h"

#include "models/dense.h"
#include "models/precision.h"

#include <dlfcn.h>
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

double measure_sgemm_gflops(int m, int k, int n, double seconds) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  auto a = torch::randn({m, k});
  auto b = torch::randn({k, n});
  auto c = torch::mm(a, b);  // warm-up
  int64_t reps = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    c = torch::mm(a, b);
    ++reps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return 2.0 * m * k * n * static_cast<double>(reps) / elapsed / 1e9;
}

namespace {

double dense_gflops(models::DensePath path, const torch::Tensor& x, const torch::Tensor& w, double seconds) {
  models::set_dense_path(path);
  torch::Tensor y = models::dense(x, w, {});  // warm-up (and primitive creation)
  int64_t reps = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    y = models::dense(x, w, {});
    ++reps;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  return 2.0 * static_cast<double>(x.size(0)) * static_cast<double>(x.size(1)) * static_cast<double>(w.size(0)) *
         static_cast<double>(reps) / elapsed / 1e9;
}

}  // namespace

GemmPeaks measure_gemm_peaks(int m, int k, int n, double seconds) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({m, k});
  const torch::Tensor w = torch::randn({n, k});
  const models::DensePath saved = models::dense_path();
  GemmPeaks p;
  p.openblas_fp32 = dense_gflops(models::DensePath::kReference, x, w, seconds);
  p.onednn_fp32 = dense_gflops(models::DensePath::kOnednnFp32, x, w, seconds);
  if (models::detect_cpu_features().native_bf16()) {
    p.onednn_bf16 = dense_gflops(models::DensePath::kOnednnBf16, x, w, seconds);
  }
  models::set_dense_path(saved);
  return p;
}

}  // namespace molprop::training
