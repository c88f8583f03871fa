#pragma once
// fp32 → bf16 as LibTorch's Tensor::to(kBFloat16) rounds it (nearest, ties to even; a NaN
// stays a NaN: 0x7FC0 here and in LibTorch's scalar conversion, 0xFFFF in its vector loop),
// without LibTorch: the fused D-MPNN path and models::dense feed oneDNN
// exactly the operands the tensor path would.
#include <cstdint>
#include <cstring>

namespace molprop::models {

inline uint16_t to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const auto rounded = static_cast<uint16_t>((bits + ((bits >> 16) & 1u) + 0x7FFFu) >> 16);
  return f != f ? static_cast<uint16_t>(0x7FC0) : rounded;  // a select, so the loops vectorise
}

// out[i] = to_bf16(in[i]) for i < n (vectorised; models/categorical_kernels.cpp).
void convert_to_bf16(const float* in, int64_t n, uint16_t* out);

}  // namespace molprop::models
