#pragma once
// `--device cpu|cuda|cuda:K`: where models and batches live. CPU is the default; CUDA
// needs molprop built against a CUDA-enabled LibTorch (Debian's is CPU-only).
#include <torch/types.h>

#include <string>

namespace molprop::training {

// Throws molprop::Error with one clear line when the device is malformed, not CPU/CUDA,
// or CUDA is not available in this build or on this machine.
torch::Device resolve_device(const std::string& spec);

}  // namespace molprop::training
