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

// sums[group[i]] += rows[i] for i < rows in that order (sums zeroed first), and counts[g] the
// number of rows of group g: index_add_'s additions in index_add_'s order (readout.cpp).
void sum_rows_by_group(const float* rows, const int64_t* group, int64_t count, int64_t dim, int64_t groups,
                       float* sums, float* counts);

}  // namespace molprop::models
