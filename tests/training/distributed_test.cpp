// Data parallelism over c10d/Gloo on loopback: two ranks forked from the test process.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>

#include "core/check.h"
#include "data/graph_dataset.h"
#include "finetune/trainer.h"
#include "models/graph_tensors.h"
#include "models/property_model.h"
#include "tests/util/scratch_dir.h"
#include "tests/util/test_data.h"
#include "training/distributed.h"

namespace {

using molprop::training::DataParallel;
using molprop::training::DistributedEnv;

// A port nobody is listening on right now.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs body(rank) in `world` forked processes; returns their exit codes. A child's
// exception is printed and becomes exit code 1; gtest state never leaves the child.
std::vector<int> run_ranks(int world, const std::function<int(int)>& body) {
  std::vector<pid_t> pids;
  for (int r = 0; r < world; ++r) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      int code = 1;
      try {
        code = body(r);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "rank %d: %s\n", r, e.what());
      }
      std::fflush(stderr);
      ::_exit(code);
    }
    pids.push_back(pid);
  }
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  return codes;
}

constexpr int kSteps = 3;        // 3 × 16 molecules of the 60 in train_small.csv
constexpr int64_t kPerRank = 8;  // molecules per rank per step

// Step s, rank r: molecules [(2s + r)·8, (2s + r + 1)·8) — the union of both ranks' step-s
// batches is molecules [16s, 16s + 16).
// world 1 (the single process) takes both halves at once.
std::vector<int64_t> batch_indices(int step, int rank, int world) {
  std::vector<int64_t> idx;
  const int64_t first = (static_cast<int64_t>(step) * 2 + rank) * kPerRank;
  for (int64_t i = 0; i < kPerRank * (world == 1 ? 2 : 1); ++i) idx.push_back(first + i);
  return idx;
}

// Trains a D-MPNN for kSteps SGD steps: rank r of `parallel` on its batches, or (parallel
// null) one process on the union. Weights start from seed init_seed.
std::vector<torch::Tensor> train(const std::string& data, DataParallel* parallel, uint64_t init_seed) {
  torch::set_num_threads(1);
  molprop::data::GraphDataset ds(data);
  torch::manual_seed(init_seed);
  molprop::models::PropertyModel model(molprop::testing_util::small_config(1, 32));
  std::vector<torch::Tensor> params = model->parameters();
  if (parallel) parallel->broadcast(params);
  // SGD, not Adam: Adam divides by √v and would blow float rounding in near-zero gradients
  // up to a full step, hiding what this test checks (the gradients themselves).
  torch::optim::SGD optimizer(params, torch::optim::SGDOptions(0.005).momentum(0.5));
  const int rank = parallel ? parallel->rank() : 0;
  const int world = parallel ? parallel->world_size() : 1;
  molprop::data::Batch batch;
  for (int s = 0; s < kSteps; ++s) {
    ds.collate(batch_indices(s, rank, world), batch);
    molprop::models::GraphTensors g = molprop::models::to_tensors(batch, torch::kCPU);
    const torch::Tensor y = g.targets.index({torch::indexing::Slice(), torch::indexing::Slice(0, 1)});
    if (torch::isnan(y).any().item<bool>()) throw molprop::Error("test data: logS must be complete");
    optimizer.zero_grad();
    torch::mse_loss(model->forward(g), y).backward();
    if (parallel) parallel->average_gradients(params, /*bucket_bytes=*/16 << 10);  // several buckets
    optimizer.step();
  }
  std::vector<torch::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone());
  return out;
}

TEST(DataParallel, TwoRanksEndIdenticalAndEqualToOneProcessOnTheUnionOfTheirBatches) {
  const std::string data = molprop::testing_util::small_dataset("distributed");
  const std::string dir = molprop::testing_util::fresh_dir("distributed_weights");
  const int port = free_port();
  // Forked before this process touches torch: the children own their thread pools.
  const std::vector<int> codes = run_ranks(2, [&](int rank) {
    DistributedEnv env;
    env.rank = rank;
    env.world_size = 2;
    env.master_port = port;
    DataParallel parallel(env, std::chrono::seconds(30));
    // Different seeds: only the broadcast makes rank 1 start from rank 0's weights.
    std::vector<torch::Tensor> w = train(data, &parallel, 100 + rank);
    torch::save(w, dir + "/rank" + std::to_string(rank) + ".pt");
    parallel.barrier();
    return 0;
  });
  ASSERT_EQ(codes, (std::vector<int>{0, 0}));

  std::vector<torch::Tensor> w0, w1;
  torch::load(w0, dir + "/rank0.pt");
  torch::load(w1, dir + "/rank1.pt");
  const std::vector<torch::Tensor> single = train(data, nullptr, 100);
  ASSERT_EQ(w0.size(), single.size());
  ASSERT_EQ(w1.size(), single.size());
  torch::manual_seed(101);
  const std::vector<torch::Tensor> rank1_init =
      molprop::models::PropertyModel(molprop::testing_util::small_config(1, 32))->parameters();
  double moved = 0, worst = 0;
  for (size_t i = 0; i < single.size(); ++i) {
    EXPECT_TRUE(torch::equal(w0[i], w1[i])) << "parameter " << i << " differs between the ranks";
    const double diff = (w0[i] - single[i]).abs().max().item<double>();
    EXPECT_LE(diff, 1e-5) << "parameter " << i;
    worst = std::max(worst, diff);
    moved += (single[i] - rank1_init[i]).abs().sum().item<double>();
  }
  std::printf("largest |two ranks − one process| over %zu parameters: %.3g\n", single.size(), worst);
  EXPECT_GT(moved, 1.0);  // training changed the weights (the comparison is not of two inits)
}

TEST(DataParallel, ARankThatDiesMakesTheOtherFailWithAClearErrorInsteadOfHanging) {
  const int port = free_port();
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int> codes = run_ranks(2, [&](int rank) {
    DistributedEnv env;
    env.rank = rank;
    env.world_size = 2;
    env.master_port = port;
    DataParallel parallel(env, std::chrono::seconds(20));
    parallel.barrier();         // both are up and connected
    if (rank == 1) ::_exit(7);  // then one dies without a word, as a killed process does
    torch::Tensor p = torch::ones({4}, torch::requires_grad());
    p.mutable_grad() = torch::ones({4});
    try {
      for (int i = 0; i < 1000; ++i) parallel.average_gradients({p});
    } catch (const molprop::Error& e) {
      const std::string what = e.what();
      std::fprintf(stderr, "rank 0 saw: %s\n", what.c_str());
      return what.find("failed on rank 0") != std::string::npos &&
                     what.find("did another rank exit?") != std::string::npos
                 ? 42
                 : 2;
    }
    return 3;  // the collective succeeded without its peer: wrong
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(codes, (std::vector<int>{42, 7}));
  EXPECT_LT(seconds, 20.0);
}

TEST(DataParallel, AMissingRankIsAClearErrorAfterTheTimeout) {
  const int port = free_port();
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int> codes = run_ranks(1, [&](int) {
    DistributedEnv env;
    env.rank = 0;
    env.world_size = 2;  // rank 1 never comes
    env.master_port = port;
    try {
      DataParallel parallel(env, std::chrono::seconds(3));
    } catch (const molprop::Error& e) {
      std::fprintf(stderr, "rank 0 saw: %s\n", e.what());
      return std::string(e.what()).find("rendezvous failed on rank 0") != std::string::npos ? 42 : 2;
    }
    return 3;
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(codes, (std::vector<int>{42}));
  EXPECT_LT(seconds, 15.0);
}

TEST(DistributedEnv, ReadsTorchrunVariablesAndRejectsInconsistentOnes) {
  std::map<std::string, std::string> vars{
      {"WORLD_SIZE", "4"}, {"RANK", "2"}, {"LOCAL_RANK", "0"}, {"MASTER_ADDR", "10.0.0.5"}, {"MASTER_PORT", "29400"}};
  const molprop::training::EnvironmentLookup lookup = [&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
  DistributedEnv e = molprop::training::distributed_env_from(lookup);
  EXPECT_EQ(e.rank, 2);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.master_addr, "10.0.0.5");
  EXPECT_EQ(e.master_port, 29400);
  EXPECT_TRUE(e.distributed());
  vars["RANK"] = "4";
  EXPECT_THROW(molprop::training::distributed_env_from(lookup), molprop::Error);
  vars["RANK"] = "x";
  EXPECT_THROW(molprop::training::distributed_env_from(lookup), molprop::Error);
  vars.clear();
  EXPECT_FALSE(molprop::training::distributed_env_from(lookup).distributed());
}

TEST(DistributedEnv, ReadsSlurmVariablesAndTheGlooInterface) {
  const std::map<std::string, std::string> vars{{"SLURM_NTASKS", "3"},   {"SLURM_PROCID", "1"},
                                                {"SLURM_LOCALID", "1"},  {"MASTER_PORT", "29401"},
                                                {"GLOO_SOCKET_IFNAME", "ib0"}};
  const DistributedEnv e = molprop::training::distributed_env_from([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
  EXPECT_EQ(e.world_size, 3);
  EXPECT_EQ(e.rank, 1);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_port, 29401);
  EXPECT_EQ(e.socket_ifname, "ib0");
}

TEST(DistributedEnv, TimeoutRangeNamesTheOption) {
  molprop::training::check_distributed_timeout(molprop::training::kDefaultDistributedTimeoutMs, "T::timeout");
  try {
    molprop::training::check_distributed_timeout(500, "T::timeout");
    FAIL() << "expected molprop::Error";
  } catch (const molprop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("T::timeout must be between 1 s and 1 day"), std::string::npos) << e.what();
  }
}

}  // namespace
