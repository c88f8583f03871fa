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
#include <memory>
#include <vector>

#include "training/distributed_env.h"

namespace molprop::training {

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
