#pragma once
// What the numeric runtime looks like: LibTorch version, threads, and which BLAS
// libtorch's matrix products actually run on. Debian's libtorch calls the BLAS behind
// the libblas.so.3 alternative; when that is the netlib reference BLAS, dense layers
// run ~25× slower, which users must be told about loudly.
#include <string>

namespace molprop::training {

struct RuntimeInfo {
  std::string torch_version;
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  std::string blas_library;     // resolved file that provides sgemm_, or "unknown"
  std::string blas_config;      // OpenBLAS's own description, when it is OpenBLAS
  bool reference_blas = false;  // the slow netlib reference implementation
};

RuntimeInfo runtime_info();

// Sets LibTorch's intra-op thread count (and OpenMP's). n ≤ 0 leaves the default.
void set_num_threads(int n);

// Sets OpenBLAS's own thread count (it keeps a pool separate from LibTorch's OpenMP
// threads). No-op when the BLAS is not OpenBLAS. Returns false then.
bool set_blas_threads(int n);

// molprop's thread policy for a run with n threads: dense products run on n OpenBLAS
// threads, LibTorch's element-wise and scatter ops on the calling thread. Graph batches
// are small, so OpenMP's fork/join per op costs more than it saves, and OpenMP threads
// spinning beside OpenBLAS's pool starve it (bench_train: torch 1 / OpenBLAS 2 trains at
// ~3.4k mol/s, torch 2 / OpenBLAS 2 at ~0.9k mol/s on 2 cores). Deterministic across n,
// since OpenBLAS sgemm does not split the reduction dimension across threads.
void configure_threads(int n);

// Measures single-precision matrix product throughput (GFLOP/s) with an m×k by k×n
// torch::mm, repeated for about `seconds`.
double measure_sgemm_gflops(int m, int k, int n, double seconds);

}  // namespace molprop::training
