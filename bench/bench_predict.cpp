// End-to-end prediction speed and memory, as ratios taken in one run:
//   `molprop predict` (CSV in → CSV out, default D-MPNN 300×3) on the first N ZINC
//   molecules vs bare RDKit parsing of the same SMILES on 2 threads; peak RSS of the
//   predict process for N/10 and N molecules (memory must stay flat as input grows);
//   the model's arithmetic rate as a fraction of the machine's GEMM peak for the precision
//   used (OpenBLAS fp32, oneDNN fp32 and oneDNN bf16 4096×300×300 products, measured in
//   the same run); the shipped default model (its ensemble, descriptors and domain).
// Usage: bench_predict [zinc250k.csv.gz] [N=100000]
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "checkpoint/checkpoint.h"
#include "checkpoint/feature_vocabulary.h"
#include "chem/parse.h"
#include "data/csv_reader.h"
#include "training/runtime_info.h"

using namespace molprop;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Run {
  double seconds = 0;
  long max_rss_kb = 0;
  int status = -1;
};

// Runs a command as a child process; its own peak RSS comes from wait4.
Run run_child(const std::vector<std::string>& args) {
  Run r;
  const double t0 = now();
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  r.seconds = now() - t0;
  r.max_rss_kb = usage.ru_maxrss;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

double bare_parse_rate(const std::vector<std::string>& smiles, int threads) {
  const double t0 = now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = t; i < smiles.size(); i += threads)
        std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(smiles[i]));
    });
  }
  for (auto& th : pool) th.join();
  return static_cast<double>(smiles.size()) / (now() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string input = argc > 1 ? argv[1] : std::string(MOLPROP_SHARED_DATA_DIR) + "/zinc250k.csv.gz";
  const size_t n = argc > 2 ? std::stoul(argv[2]) : 100000;
  chem::quiet_rdkit_logs();
  // The yardstick parses under the allocator settings `molprop predict` runs with: with
  // glibc's defaults every thread's freed molecules went back to the kernel.
  training::configure_allocator_for_streaming();
  const std::string dir =
      std::filesystem::temp_directory_path() / ("molprop_bench_predict_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  std::vector<std::string> smiles;
  {
    data::CsvReader reader(input);
    const int col = reader.column_index("smiles");
    data::CsvRecord rec;
    while (smiles.size() < n && reader.next(rec)) smiles.push_back(rec.fields[col]);
  }
  auto write_csv = [&](const std::string& path, size_t count) {
    std::ofstream out(path);
    out << "smiles\n";
    for (size_t i = 0; i < count; ++i) out << smiles[i] << "\n";
  };
  write_csv(dir + "/small.csv", smiles.size() / 10);
  write_csv(dir + "/large.csv", smiles.size());

  // An untrained default-shaped model: speed does not depend on the weights' values.
  models::ModelConfig config;
  checkpoint::set_feature_vocabulary(config);
  config.head.num_tasks = 1;
  torch::manual_seed(0);
  models::PropertyModel model(config);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  ckpt.targets = {{"y"}, {0.0}, {1.0}};
  checkpoint::save_checkpoint(dir + "/model.h5", ckpt, model);

  training::configure_threads(2);
  const training::GemmPeaks peaks = training::measure_gemm_peaks(4096, 300, 300, 0.5);
  const double parse2 = bare_parse_rate(smiles, 2);
  const std::string bin = MOLPROP_BINARY;
  const bool bf16 = peaks.onednn_bf16 > 0;
  auto predict = [&](const std::string& in, const std::string& precision, bool default_model = false) {
    std::vector<std::string> args = {bin,         "predict", "--input",     in,        "--output", dir + "/out.csv",
                                     "--threads", "2",       "--precision", precision, "--quiet"};
    if (!default_model) {
      args.push_back("--model");
      args.push_back(dir + "/model.h5");
    }
    const Run r = run_child(args);
    if (r.status != 0) {
      std::fprintf(stderr, "bench_predict: molprop predict --precision %s failed (%d)\n", precision.c_str(), r.status);
      std::exit(1);
    }
    return r;
  };
  const std::string fast = bf16 ? "bf16" : "auto";
  const Run small = predict(dir + "/small.csv", fast);
  const Run large = predict(dir + "/large.csv", fast);
  const Run large_fp32 = predict(dir + "/large.csv", "fp32");
  const Run ensemble = predict(dir + "/large.csv", fast, /*default_model=*/true);
  // Inference arithmetic per molecule (forward only), as in bench_train.
  double atoms = 0, edges = 0;
  for (size_t i = 0; i < std::min<size_t>(smiles.size(), 5000); ++i) {
    std::unique_ptr<RDKit::RWMol> m(RDKit::SmilesToMol(smiles[i]));
    atoms += m->getNumAtoms();
    edges += 2.0 * m->getNumBonds();
  }
  const double k = static_cast<double>(std::min<size_t>(smiles.size(), 5000));
  const double h = 300;
  const double fwd = 2 * h * h * (edges / k * 2 + atoms / k) + 2 * h * 300;
  const double total = static_cast<double>(smiles.size());
  const double rate = total / large.seconds;
  const double rate_fp32 = total / large_fp32.seconds;
  const double rate_ensemble = total / ensemble.seconds;
  const double peak_fast = bf16 ? peaks.onednn_bf16 : peaks.onednn_fp32;

  std::printf("bench_predict: %zu ZINC molecules, D-MPNN 300×3, 2 threads\n\n", smiles.size());
  std::printf("%-52s %12s\n", "measurement", "value");
  std::printf("%-52s %12.1f\n", "GEMM 4096×300×300, 2 threads: OpenBLAS fp32 (GFLOP/s)", peaks.openblas_fp32);
  std::printf("%-52s %12.1f\n", "GEMM 4096×300×300, 2 threads: oneDNN fp32 (GFLOP/s)", peaks.onednn_fp32);
  std::printf("%-52s %12.1f\n", "GEMM 4096×300×300, 2 threads: oneDNN bf16 (GFLOP/s)", peaks.onednn_bf16);
  std::printf("%-52s %12.0f\n", "bare RDKit parse, 2 threads (mol/s)", parse2);
  std::printf("%-52s %12.0f\n", ("predict CSV→CSV, one model, --precision " + fast + " (mol/s)").c_str(), rate);
  std::printf("%-52s %12.0f\n", "predict CSV→CSV, one model, --precision fp32 (mol/s)", rate_fp32);
  std::printf("%-52s %12.0f\n", ("predict, shipped default model, " + fast + " (mol/s)").c_str(), rate_ensemble);
  std::printf("%-52s %12.1f\n", "peak RSS, N/10 molecules (MB)", small.max_rss_kb / 1024.0);
  std::printf("%-52s %12.1f\n", "peak RSS, N molecules (MB)", large.max_rss_kb / 1024.0);
  std::printf("%-52s %12.1f\n", "peak RSS, N molecules, fp32 (MB)", large_fp32.max_rss_kb / 1024.0);
  std::printf("%-52s %12.1f\n", "peak RSS, N molecules, default model (MB)", ensemble.max_rss_kb / 1024.0);
  std::printf("\nratios (targets in parentheses)\n");
  std::printf("  predict / bare parse 2T           %.3f  (>= 0.33; Chemprop ~0.014)\n", rate / parse2);
  std::printf("  predict fp32 / bare parse 2T      %.3f\n", rate_fp32 / parse2);
  std::printf("  predict / Chemprop (650 mol/s)    %.1f  (>= 15)\n", rate / 650.0);
  std::printf("  RSS(N) / RSS(N/10)                %.2f  (flat: ~1)\n",
              static_cast<double>(large.max_rss_kb) / static_cast<double>(small.max_rss_kb));
  std::printf("  model arithmetic / %s peak     %.3f  (%.2f MFLOP/mol forward)\n", bf16 ? "bf16" : "fp32",
              rate * fwd / 1e9 / peak_fast, fwd / 1e6);
  std::printf("  fp32 model arithmetic / OpenBLAS  %.3f\n", rate_fp32 * fwd / 1e9 / peaks.openblas_fp32);
  std::filesystem::remove_all(dir);
  return 0;
}
