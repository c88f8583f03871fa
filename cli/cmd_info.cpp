// molprop info: versions, threads and the BLAS actually in use.
#include <H5public.h>
#include <RDGeneral/versions.h>

#include <cstdio>

#include "chem/descriptors.h"
#include "chem/features.h"
#include "cli/common.h"
#include "models/dense.h"
#include "models/precision.h"
#include "data/dataset_format.h"
#include "training/runtime_info.h"

namespace molprop::cli {
namespace {

struct InfoArgs {
  CommonOptions common;
  bool benchmark = false;
};

void run(InfoArgs& args) {
  const int threads = resolve_threads(args.common);
  const training::RuntimeInfo rt = training::runtime_info();
  unsigned h5_major = 0, h5_minor = 0, h5_release = 0;
  H5get_libversion(&h5_major, &h5_minor, &h5_release);
  std::printf("molprop      %s\n", MOLPROP_VERSION);
  std::printf("RDKit        %s\n", RDKit::rdkitVersion);
  std::printf("LibTorch     %s\n", rt.torch_version.c_str());
  std::printf("HDF5         %u.%u.%u\n", h5_major, h5_minor, h5_release);
  std::printf("threads      %d (OpenBLAS %d; LibTorch intra-op %d, inter-op %d)\n", threads, threads,
              rt.intra_op_threads, rt.inter_op_threads);
  std::printf("BLAS         %s\n", rt.blas_library.c_str());
  if (!rt.blas_config.empty()) std::printf("             %s\n", rt.blas_config.c_str());
  const models::CpuFeatures cpu = models::detect_cpu_features();
  std::printf("CPU          %s\n", cpu.describe().c_str());
  std::printf("precision    auto: inference %s; training %s\n",
              models::dense_path_name(models::resolve_precision("auto", cpu, models::PrecisionUse::kInference)).c_str(),
              models::dense_path_name(models::resolve_precision("auto", cpu, models::PrecisionUse::kTraining)).c_str());
  std::printf("features     %s\n", chem::vocabulary_signature().c_str());
  std::string sets;
  for (const auto& name : chem::descriptor_set_names()) {
    sets += (sets.empty() ? "" : ", ") + name + " (" + std::to_string(chem::descriptor_set(name).names.size()) + ")";
  }
  std::printf("descriptors  %s; atom targets v%d (%d)\n", sets.c_str(), chem::kAtomTargetsVersion,
              chem::kNumAtomTargets);
  std::printf("dataset      format v%d\n", data::format::kFormatVersion);
  if (args.benchmark) {
    const training::GemmPeaks p = training::measure_gemm_peaks(4096, 300, 300, 1.0);
    std::printf("GEMM         4096×300 · 300×300, %d threads: OpenBLAS fp32 %.1f, oneDNN fp32 %.1f, oneDNN bf16 %s GFLOP/s\n",
                threads, p.openblas_fp32, p.onednn_fp32,
                p.onednn_bf16 > 0 ? std::to_string(static_cast<int>(p.onednn_bf16 + 0.5)).c_str() : "n/a (no native bf16)");
  }
  if (rt.reference_blas) {
    std::fprintf(stderr,
                 "\n*** WARNING: LibTorch is using the slow reference BLAS (%s).\n"
                 "*** Dense layers will run ~25x slower. Install OpenBLAS:\n"
                 "***   apt-get install libopenblas0-pthread\n"
                 "*** and make sure the libblas.so.3 alternative points to it.\n\n",
                 rt.blas_library.c_str());
  }
}

}  // namespace

void register_info(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* sub = app.add_subcommand("info", "Show library versions, threads and the BLAS in use");
  sub->add_flag("--benchmark", args->benchmark, "Also measure the matrix-multiply rate (1 s)");
  add_common_options(*sub, args->common);
  sub->footer("Example:\n  molprop info --benchmark --threads 2");
  sub->callback([args] { run(*args); });
}

}  // namespace molprop::cli
