#include "training/distributed.h"

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "core/check.h"

#ifndef USE_C10D_GLOO
#error "molprop's data parallelism needs LibTorch's c10d Gloo backend (compile with USE_C10D_GLOO)"
#endif

namespace molprop::training {

namespace {

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
