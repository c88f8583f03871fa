// Pretraining throughput (molecules/s) of the default pretraining set-up (D-MPNN 300×3,
// masking + descriptors, batch 128) on the first N ZINC molecules, and its ratio to the
// machine's dense matmul rate measured in the same run, so later work can see how far
// the graph kernels are from the BLAS limit.
// Usage: bench_pretrain [zinc250k.csv.gz] [N=20000] [steps=60]
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "data/csv_reader.h"
#include "data/featurize_csv.h"
#include "data/graph_dataset.h"
#include "pretrain/pretrainer.h"
#include "training/runtime_info.h"

using namespace molprop;

int main(int argc, char** argv) {
  const std::string input = argc > 1 ? argv[1] : std::string(MOLPROP_SHARED_DATA_DIR) + "/zinc250k.csv.gz";
  const size_t n = argc > 2 ? std::stoul(argv[2]) : 20000;
  const int64_t steps = argc > 3 ? std::stoll(argv[3]) : 60;
  const std::string dir =
      std::filesystem::temp_directory_path() / ("molprop_bench_pretrain_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    data::CsvReader reader(input);
    const int col = reader.column_index("smiles");
    std::ofstream out(dir + "/corpus.csv");
    out << "smiles\n";
    data::CsvRecord rec;
    for (size_t k = 0; k < n && reader.next(rec); ++k) out << rec.fields[col] << "\n";
  }
  data::FeaturizeCsvOptions f;
  f.input = dir + "/corpus.csv";
  f.output = dir + "/corpus.h5";
  f.featurize.descriptors = true;
  f.all_other_columns_are_targets = false;
  f.threads = 2;
  f.quiet = true;
  data::featurize_csv(f);
  data::GraphDataset ds(f.output);
  const double atoms = static_cast<double>(ds.info().num_atoms) / ds.size();
  const double edges = static_cast<double>(ds.info().num_edges) / ds.size();

  training::configure_threads(2);
  const double sgemm = training::measure_sgemm_gflops(4096, 300, 300, 0.5);
  pretrain::PretrainOptions o;
  o.data = f.output;
  o.output_dir = dir + "/run";
  o.objectives = {{"masking", 1.0}, {"descriptors", 1.0}};
  o.encoder.name = "dmpnn";
  o.epochs = 1;
  o.batch_size = 128;
  o.checkpoint_every = 1000000;
  o.stop_after_steps = steps;
  o.quiet = true;
  const pretrain::PretrainSummary s = pretrain::pretrain(o);

  // Dense arithmetic per molecule and step: two encoder passes (masked view for masking,
  // plain view for descriptors), each 2H²·(E·(depth−1) + A) forward, the descriptor head,
  // the masking classifiers on the ~15% masked atoms (Σ cardinalities = 140 outputs),
  // and ≈3× for forward + backward.
  const double h = 300;
  const double encoder_fwd = 2 * h * h * (edges * 2 + atoms);
  const double flops = 3 * (2 * encoder_fwd + 2 * h * 300 + 2 * 300 * 43 + 0.15 * atoms * 2 * h * 140);
  std::printf(
      "bench_pretrain: %zu ZINC molecules (%.1f atoms, %.1f directed bonds each), D-MPNN 300×3,\n"
      "  masking + descriptors, batch 128, %lld steps, 2 threads\n\n",
      n, atoms, edges, static_cast<long long>(s.steps));
  std::printf("pretraining throughput        %10.0f mol/s\n", s.molecules_per_second);
  std::printf("model arithmetic              %10.1f GFLOP/s (%.1f MFLOP per molecule per step)\n",
              s.molecules_per_second * flops / 1e9, flops / 1e6);
  std::printf("sgemm 4096×300×300            %10.1f GFLOP/s\n", sgemm);
  std::printf("ratio model / sgemm           %10.3f\n", s.molecules_per_second * flops / 1e9 / sgemm);
  std::filesystem::remove_all(dir);
  return 0;
}
