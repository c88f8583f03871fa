// rng.h uses size_t and std::swap without including their headers.
#include <cstddef>
#include <utility>

#include "core/rng.h"

#include "core/check.h"

namespace molprop::core {

uint64_t Rng::next_u64() {
  state_ += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Rng::uniform(uint64_t bound) {
  MOLPROP_CHECK(bound > 0, "Rng::uniform: bound must be positive, got 0");
  // Lemire: the high word of x·bound is in [0, bound); draws whose low word falls below
  // 2^64 mod bound are rejected, which removes the bias of a plain modulo.
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

double Rng::uniform01() {
  // The top 53 bits fill a double's mantissa exactly, so 1.0 is never reached.
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  // An odd multiplier keeps distinct streams distinct before the SplitMix64 finaliser
  // scatters them, so neighbouring (seed, stream) pairs give unrelated sequences.
  Rng rng(seed ^ (stream * 0xD1B54A32D192ED03ULL + 0x8BB84B93962EACC9ULL));
  return rng.next_u64();
}

}  // namespace molprop::core
