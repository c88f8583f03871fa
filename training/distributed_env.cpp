#include "training/distributed_env.h"

#include <cstdlib>
#include <sstream>
#include <string>

#include "core/check.h"

namespace molprop::training {

namespace {

// Reads the variables through the caller's lookup; an empty value counts as unset.
class Variables {
 public:
  explicit Variables(const EnvironmentLookup& lookup) : lookup_(lookup) {}

  const char* get(const char* name) const {
    const char* v = lookup_ ? lookup_(name) : nullptr;
    return v && *v ? v : nullptr;
  }

  int get_int(const char* name, int fallback) const {
    const char* v = get(name);
    if (!v) return fallback;
    char* end = nullptr;
    const long x = std::strtol(v, &end, 10);
    if (*end != '\0' || x < 0 || x > 1 << 20) {
      throw Error(std::string("environment variable ") + name + "='" + v + "' is not a valid non-negative integer");
    }
    return static_cast<int>(x);
  }

 private:
  const EnvironmentLookup& lookup_;
};

}  // namespace

void check_distributed_timeout(int64_t timeout_ms, const char* field) {
  if (timeout_ms >= kMinDistributedTimeoutMs && timeout_ms <= kMaxDistributedTimeoutMs) return;
  std::ostringstream os;
  os << field << " must be between 1 s and 1 day (86400 s), got " << static_cast<double>(timeout_ms) / 1000.0 << " s";
  throw Error(os.str());
}

DistributedEnv distributed_env_from(const EnvironmentLookup& lookup) {
  const Variables env(lookup);
  DistributedEnv e;
  if (const char* ifname = env.get("GLOO_SOCKET_IFNAME")) e.socket_ifname = ifname;
  const bool torchrun = env.get("WORLD_SIZE") != nullptr;
  const bool slurm = !torchrun && env.get("SLURM_NTASKS") != nullptr && env.get("MASTER_PORT") != nullptr;
  if (!torchrun && !slurm) return e;
  e.world_size = env.get_int(torchrun ? "WORLD_SIZE" : "SLURM_NTASKS", 1);
  e.rank = env.get_int(torchrun ? "RANK" : "SLURM_PROCID", 0);
  e.local_rank = env.get_int(torchrun ? "LOCAL_RANK" : "SLURM_LOCALID", 0);
  if (const char* a = env.get("MASTER_ADDR")) e.master_addr = a;
  e.master_port = env.get_int("MASTER_PORT", e.master_port);
  if (e.world_size < 1) throw Error("WORLD_SIZE must be ≥ 1");
  if (e.rank >= e.world_size) {
    throw Error("RANK=" + std::to_string(e.rank) + " is not below WORLD_SIZE=" + std::to_string(e.world_size));
  }
  if (e.distributed() && torchrun && !env.get("RANK")) throw Error("WORLD_SIZE is set but RANK is not");
  if (e.master_port < 1 || e.master_port > 65535) throw Error("MASTER_PORT must be a TCP port (1-65535)");
  return e;
}

}  // namespace molprop::training
