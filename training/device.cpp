#include "training/device.h"

#include <torch/cuda.h>

#include "core/check.h"

namespace molprop::training {

torch::Device resolve_device(const std::string& spec) {
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(spec);
  } catch (const c10::Error&) {
    throw Error("'" + spec + "' is not a device; use cpu, cuda or cuda:K");
  }
  if (device.is_cpu()) return device;
  if (!device.is_cuda()) throw Error(spec + ": only cpu and cuda devices are supported");
  if (!torch::cuda::is_available()) {
    throw Error(spec +
                ": no CUDA here: this molprop is built against a LibTorch without CUDA (Debian's is CPU-only), "
                "or no GPU is visible; see docs/distributed.md (GPU)");
  }
  const auto count = static_cast<int>(torch::cuda::device_count());
  if (device.has_index() && device.index() >= count) {
    throw Error(spec + ": only " + std::to_string(count) + " CUDA device(s) visible");
  }
  return device;
}

}  // namespace molprop::training
