#pragma once
// Who this process is in a data-parallel run (training/distributed.h), as a launcher
// describes it, and the limits on its timeouts. No LibTorch here: cli/ and the option
// structs include this header without compiling torch's headers.
#include <cstdint>
#include <functional>
#include <string>

namespace molprop::training {

// Who this process is, as a launcher describes it: RANK / WORLD_SIZE / LOCAL_RANK /
// MASTER_ADDR / MASTER_PORT (torchrun, or any launcher that sets them), else
// SLURM_PROCID / SLURM_NTASKS / SLURM_LOCALID with MASTER_ADDR / MASTER_PORT; world_size
// 1 when none is set. The library does not read the environment: cli/ passes getenv.
struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // Network interface Gloo should use (GLOO_SOCKET_IFNAME); empty: loopback for a local
  // master, else Gloo's default device.
  std::string socket_ifname;
  bool distributed() const { return world_size > 1; }
};

// How long a rendezvous or collective may take before the run fails: the one default of
// TrainRunOptions / PretrainOptions::distributed_timeout_ms (and of `--dist-timeout`).
inline constexpr int64_t kDefaultDistributedTimeoutMs = 300000;
// The range those options accept: 1 s to 1 day.
inline constexpr int64_t kMinDistributedTimeoutMs = 1000;
inline constexpr int64_t kMaxDistributedTimeoutMs = 86400000;
// Throws molprop::Error naming the option when `timeout_ms` is out of that range.
// `field` is the option as the message names it (e.g. "TrainRunOptions::distributed_timeout_ms").
void check_distributed_timeout(int64_t timeout_ms, const char* field);

// The value of an environment variable, or nullptr when it is unset (e.g. std::getenv).
using EnvironmentLookup = std::function<const char*(const char*)>;

// Builds the DistributedEnv from the launcher's variables, read through `lookup` (an
// empty value counts as unset). Throws molprop::Error naming the variable when a value
// is malformed or inconsistent.
DistributedEnv distributed_env_from(const EnvironmentLookup& lookup);

}  // namespace molprop::training
