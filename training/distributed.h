#pragma once
// Data parallelism over PyTorch's c10d (the Gloo backend; the engine torchrun and Slurm
// launches already speak): rendezvous from the standard environment variables, parameters
// broadcast from rank 0, gradients averaged with one all-reduce per bucket.
//
// Failure model: a collective that cannot complete (a peer died, or hangs) throws
// molprop::Error within `timeout`; the group is then unusable and the process should exit.
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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

class DataParallel {
 public:
  // Joins the group (rank 0 hosts the rendezvous store). Throws molprop::Error when the
  // others do not arrive within `timeout`.
  DataParallel(const DistributedEnv& env, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }

  // Every rank ends with rank 0's values (in place).
  void broadcast(const std::vector<torch::Tensor>& tensors);
  // Replaces each parameter's .grad() by its mean over ranks. Gradients are packed into
  // buckets of at most bucket_bytes and each bucket is all-reduced once. Parameters without
  // a gradient count as zero gradients (every rank must pass the same parameter list).
  void average_gradients(const std::vector<torch::Tensor>& parameters, int64_t bucket_bytes = 25 << 20);
  // Sum / min over ranks of a few numbers (loss windows, shard sizes).
  std::vector<double> sum(const std::vector<double>& values);
  int64_t min(int64_t value);
  // Every rank's copy of `tensor` (same shape everywhere), in rank order.
  std::vector<torch::Tensor> all_gather(const torch::Tensor& tensor);
  void barrier();

 private:
  struct Group;
  DistributedEnv env_;
  std::unique_ptr<Group> group_;
};

}  // namespace molprop::training
