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

// molprop's thread policy for a run with n threads (training): dense products run on n
// OpenBLAS threads (reference path) or n OpenMP threads inside oneDNN (models/dense.h), LibTorch's element-wise and
// scatter ops on the calling thread. Graph batches are small, so OpenMP's fork/join per op costs more than it saves,
// and OpenMP threads spinning beside OpenBLAS's pool starve it (bench_train: torch 1 / OpenBLAS 2 trains at ~3.4k
// mol/s, torch 2 / OpenBLAS 2 at ~0.9k mol/s on 2 cores). Deterministic across n, since OpenBLAS sgemm does not split
// the reduction dimension across threads.
void configure_threads(int n);

// The policy for inference workers (predict, embed): every worker featurises and runs the
// model on its own chunks with one thread, so no BLAS or OpenMP team exists to wait
// (sched_yield) between the many small products of a graph batch: LibTorch 1, OpenBLAS
// 1, oneDNN 1.
void configure_worker_threads();

// For training and pretraining, whose every step allocates and frees the same large
// tensors: glibc would trim the heap top after each step and grow it again in the next
// (thousands of brk calls per run) and mmap/munmap each large block. Keep freed memory
// (trim threshold 1 GB, top pad 64 MB) and serve blocks up to 256 MB from the heap.
// Peak RSS is what the step needs anyway. Process-wide (glibc malloc settings).
void configure_allocator_for_training();

// For streaming jobs (predict, embed) whose peak memory must stay flat: two malloc
// arenas, so that every featurising thread does not grow (and keep) a heap of its own
// (10k molecules, default model: 297 → 261 MB peak RSS at equal speed), and freed memory
// kept as for training: every batch allocates and frees the same multi-MB tensors, and
// glibc's defaults handed them back to the kernel each time, so a quarter of predict's
// cycles went to page faults (20k ZINC, one D-MPNN, 2 threads, idle machine: 6.6-15 s
// before, 4.3-5.4 s after; docs/performance.md). The benchmarks use it too, so their
// yardsticks run as the commands do.
void configure_allocator_for_streaming();

// Measures single-precision matrix product throughput (GFLOP/s) with an m×k by k×n
// torch::mm, repeated for about `seconds`.
double measure_sgemm_gflops(int m, int k, int n, double seconds);

// The same m×k by k×n product through each GEMM the dense layers use (models/dense.h),
// each repeated for about `seconds` on the current thread settings (models::dense_threads
// for oneDNN): the bare products, operands already in their type and the output allocated
// once, so the machine's arithmetic peak for this shape, measured in the same run as
// whatever it is compared with. bf16 is 0 where the CPU has no native bf16 (not run).
struct GemmPeaks {
  double openblas_fp32 = 0;  // GFLOP/s, the reference path (LibTorch → OpenBLAS sgemm)
  double onednn_fp32 = 0;
  double onednn_bf16 = 0;
};
GemmPeaks measure_gemm_peaks(int m, int k, int n, double seconds);

}  // namespace molprop::training
