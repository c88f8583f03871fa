// Training throughput of the default D-MPNN (300×3, batch 50) on ESOL, and the model's
// arithmetic rate as a fraction of the GEMM peak of its dense path measured in the same run, for several
// ways of sharing the cores: one step on n threads of each product (workers 1), or each step cut into n
// parts learnt at once on one thread each (TrainOptions::workers = n, `molprop train`'s default).
// Usage: bench_train [esol.csv] [epochs=3]
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint/feature_vocabulary.h"
#include "data/featurize_csv.h"
#include "data/graph_dataset.h"
#include "finetune/trainer.h"
#include "models/dense.h"
#include "models/precision.h"
#include "training/runtime_info.h"

using namespace molprop;

int main(int argc, char** argv) {
  const std::string csv = argc > 1 ? argv[1] : std::string(MOLPROP_SHARED_DATA_DIR) + "/esol.csv";
  const int64_t epochs = argc > 2 ? std::stoll(argv[2]) : 3;
  training::configure_allocator_for_training();  // as `molprop train` runs
  const std::string dir =
      std::filesystem::temp_directory_path() / ("molprop_bench_train_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  data::FeaturizeCsvOptions f;
  f.input = csv;
  f.output = dir + "/esol.h5";
  f.quiet = true;
  f.threads = 2;
  data::featurize_csv(f);
  data::GraphDataset ds(f.output);
  const int64_t n = ds.size();
  const int64_t atoms = ds.info().num_atoms, edges = ds.info().num_edges;

  models::ModelConfig config;
  checkpoint::set_feature_vocabulary(config);
  config.head.num_tasks = 1;
  const double h = static_cast<double>(config.encoder.hidden);
  // Dense arithmetic per molecule, forward: W_h on every directed edge for depth−1
  // updates, W_o on every atom, the two head layers. Training ≈ 3× forward (backward
  // computes two products per forward product).
  const double fwd =
      2 * h * h * (static_cast<double>(edges) / n * (config.encoder.depth - 1) + static_cast<double>(atoms) / n) +
      2 * h * config.head.hidden + 2 * config.head.hidden;
  const double train_flops = 3 * fwd;

  std::printf(
      "bench_train: %s, %lld molecules (%.1f atoms, %.1f directed bonds each), D-MPNN %lld×%lld, batch 50, %lld "
      "epochs\n",
      csv.c_str(), static_cast<long long>(n), static_cast<double>(atoms) / n, static_cast<double>(edges) / n,
      static_cast<long long>(config.encoder.hidden), static_cast<long long>(config.encoder.depth),
      static_cast<long long>(epochs));
  std::printf("model arithmetic: %.2f MFLOP per molecule per training step\n\n", train_flops / 1e6);
  std::printf("%-46s %10s %10s %12s %10s\n", "threads (step workers), dense path", "peak GF/s", "mol/s", "model GF/s",
              "fraction");
  const bool bf16 = models::detect_cpu_features().native_bf16();
  for (const int threads : {1, 2}) {
    training::configure_threads(threads);
    const training::GemmPeaks peaks = training::measure_gemm_peaks(4096, 300, 300, 0.5);
    for (const models::DensePath path :
         {models::DensePath::kReference, models::DensePath::kOnednnFp32, models::DensePath::kOnednnBf16}) {
      if (path == models::DensePath::kOnednnBf16 && !bf16) continue;
      for (const int workers : threads == 1 ? std::vector<int>{1} : std::vector<int>{1, threads}) {
        const double peak = path == models::DensePath::kReference    ? peaks.openblas_fp32
                            : path == models::DensePath::kOnednnFp32 ? peaks.onednn_fp32
                                                                     : peaks.onednn_bf16;
        models::set_dense_path(path);
        finetune::Subset train{&ds, {}};
        for (int64_t i = 0; i < n; ++i) train.indices.push_back(i);
        torch::manual_seed(0);
        models::PropertyModel model(config);
        checkpoint::Checkpoint ckpt;
        ckpt.config = config;
        finetune::TrainOptions o;
        o.epochs = epochs;
        o.quiet = true;
        o.workers = workers;
        const finetune::TrainResult r = finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
        const double rate = r.train_molecules_per_second;
        const std::string label = std::to_string(threads) + " (" + std::to_string(r.workers) + " worker" +
                                  (r.workers == 1 ? "" : "s") + "), " + models::dense_path_name(path);
        std::printf("%-46s %10.1f %10.0f %12.1f %10.3f\n", label.c_str(), peak, rate, rate * train_flops / 1e9,
                    rate * train_flops / 1e9 / peak);
      }
    }
  }
  models::set_dense_path(models::DensePath::kReference);
  std::printf("\nChemprop v1 on this machine (brief): ~900 mol/s; target >= 1800 mol/s.\n");
  std::filesystem::remove_all(dir);
  return 0;
}
