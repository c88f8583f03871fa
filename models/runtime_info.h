#pragma once
// What the numeric runtime looks like: LibTorch version, threads, and which BLAS
// libtorch's matrix products actually run on. Debian's libtorch calls the BLAS behind
// the libblas.so.3 alternative; when that is the netlib reference BLAS, dense layers
// run ~25× slower, which users must be told about loudly.
#include <string>

namespace molprop::models {

struct RuntimeInfo {
  std::string torch_version;
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  std::string blas_library;   // resolved file that provides sgemm_, or "unknown"
  std::string blas_config;    // OpenBLAS's own description, when it is OpenBLAS
  bool reference_blas = false;  // the slow netlib reference implementation
};

RuntimeInfo runtime_info();

// Sets LibTorch's intra-op thread count (and OpenMP's). n ≤ 0 leaves the default.
void set_num_threads(int n);

// Sets OpenBLAS's own thread count (it keeps a pool separate from LibTorch's OpenMP
// threads). No-op when the BLAS is not OpenBLAS. Returns false then.
bool set_blas_threads(int n);

// Measures single-precision matrix product throughput (GFLOP/s) with an m×k by k×n
// torch::mm, repeated for about `seconds`.
double measure_sgemm_gflops(int m, int k, int n, double seconds);

}  // namespace molprop::models
