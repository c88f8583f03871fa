#include "training/distributed.h"

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <sstream>

#include "core/check.h"

#ifndef USE_C10D_GLOO
#error "molprop's data parallelism needs LibTorch's c10d Gloo backend (compile with USE_C10D_GLOO)"
#endif

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

// Runs a c10d call; its failures (gloo::IoException, c10::Error with a backtrace, store
// timeouts) become one molprop::Error line.
template <typename F>
auto guarded(const char* what, int rank, F&& f) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw Error(std::string("distributed ") + what + " failed on rank " + std::to_string(rank) + ": " +
                e.what_without_backtrace() + " (did another rank exit?)");
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(std::string("distributed ") + what + " failed on rank " + std::to_string(rank) + ": " + e.what() +
                " (did another rank exit?)");
  }
}

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

struct DataParallel::Group {
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

DataParallel::DataParallel(const DistributedEnv& env_in, std::chrono::milliseconds timeout)
    : env_(env_in), group_(std::make_unique<Group>()) {
  guarded("rendezvous", env_.rank, [&] {
    c10d::TCPStoreOptions so;
    so.port = static_cast<uint16_t>(env_.master_port);
    so.isServer = env_.rank == 0;
    so.numWorkers = static_cast<size_t>(env_.world_size);
    // Waiting for workers happens in the process group's own (timed) connect below.
    so.waitWorkers = false;
    so.timeout = timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(env_.master_addr, so);
    auto store = c10::make_intrusive<c10d::PrefixStore>("molprop", tcp);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // Gloo's C++ API ignores GLOO_SOCKET_IFNAME (only Python reads it): honour it here.
    const bool loopback = env_.master_addr == "localhost" || env_.master_addr.rfind("127.", 0) == 0;
    if (!env_.socket_ifname.empty()) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(env_.socket_ifname));
    } else if (loopback) {
      // One machine: talk over loopback whatever the hostname resolves to.
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(env_.master_addr));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    options->threads = 1;
    group_->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env_.rank, env_.world_size, options);
    return 0;
  });
}

DataParallel::~DataParallel() = default;

void DataParallel::broadcast(const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    std::vector<at::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
    guarded("broadcast", env_.rank, [&] {
      c10d::BroadcastOptions o;
      o.rootRank = 0;
      group_->pg->broadcast(one, o)->wait();
      return 0;
    });
    if (!one[0].is_same(t)) t.copy_(one[0]);
  }
}

void DataParallel::average_gradients(const std::vector<torch::Tensor>& parameters, int64_t bucket_bytes) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> bucket;
  int64_t bytes = 0;
  auto flush = [&] {
    if (bucket.empty()) return;
    std::vector<at::Tensor> flat{at::flatten_dense_tensors(bucket)};
    guarded("gradient all-reduce", env_.rank, [&] {
      c10d::AllreduceOptions o;
      o.reduceOp = c10d::ReduceOp::SUM;
      group_->pg->allreduce(flat, o)->wait();
      return 0;
    });
    flat[0].div_(env_.world_size);
    const auto parts = at::unflatten_dense_tensors(flat[0], bucket);
    for (size_t i = 0; i < bucket.size(); ++i) bucket[i].copy_(parts[i]);
    bucket.clear();
    bytes = 0;
  };
  for (const auto& p : parameters) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    const int64_t b = p.numel() * static_cast<int64_t>(p.element_size());
    if (bytes > 0 && bytes + b > bucket_bytes) flush();
    bucket.push_back(p.grad());
    bytes += b;
  }
  flush();
}

std::vector<double> DataParallel::sum(const std::vector<double>& values) {
  std::vector<at::Tensor> t{torch::tensor(values, torch::kFloat64)};
  guarded("all-reduce", env_.rank, [&] {
    group_->pg->allreduce(t)->wait();
    return 0;
  });
  return {t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel()};
}

int64_t DataParallel::min(int64_t value) {
  std::vector<at::Tensor> t{torch::tensor({value}, torch::kInt64)};
  guarded("all-reduce", env_.rank, [&] {
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::MIN;
    group_->pg->allreduce(t, o)->wait();
    return 0;
  });
  return t[0].item<int64_t>();
}

std::vector<torch::Tensor> DataParallel::all_gather(const torch::Tensor& tensor) {
  std::vector<at::Tensor> input{tensor.contiguous()};
  std::vector<std::vector<at::Tensor>> output(1);
  for (int r = 0; r < env_.world_size; ++r) output[0].push_back(torch::empty_like(input[0]));
  guarded("all-gather", env_.rank, [&] {
    group_->pg->allgather(output, input)->wait();
    return 0;
  });
  return output[0];
}

void DataParallel::barrier() {
  guarded("barrier", env_.rank, [&] {
    group_->pg->barrier()->wait();
    return 0;
  });
}

}  // namespace molprop::training
