#pragma once
// Deterministic randomness that is the same on every platform and standard library:
// std::shuffle and std::uniform_int_distribution are implementation-defined, so a
// seed would not fix a split across compilers. Every random choice in data/ uses this.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace molprop::core {

// SplitMix64: small, fast, and good enough for shuffling.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next_u64();
  // Uniform in [0, bound), bound > 0 (Lemire's method, unbiased).
  uint64_t uniform(uint64_t bound);
  // Uniform in [0, 1).
  double uniform01();

 private:
  uint64_t state_;
};

// Fisher–Yates shuffle driven by Rng.
template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(rng.uniform(i));
    std::swap(v[i - 1], v[j]);
  }
}

// Mixes a seed with a stream id (epoch, fold, rank) into an independent seed.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

}  // namespace molprop::core
