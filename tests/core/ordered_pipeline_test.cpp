#include "core/ordered_pipeline.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/check.h"
#include "core/options.h"

namespace molprop::core {
namespace {

// Random per-item work durations, fixed per item so a run is reproducible in what it
// asks for (the interleaving is not, which is the point).
std::vector<int> work_micros(int n, uint32_t seed, int max_us) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(0, max_us);
  std::vector<int> us(static_cast<size_t>(n));
  for (int& u : us) u = dist(gen);
  return us;
}

struct Item {
  int index = -1;
};

struct Result {
  int index = -1;
  int64_t square = 0;
};

// Runs ordered_map over 0..n-1 and records the consumed order and the peak number of
// items alive (produced but not yet consumed).
struct PipelineRun {
  std::vector<int> consumed;
  int peak_alive = 0;
};

PipelineRun run_squares(int threads, size_t max_in_flight, int n, uint32_t seed, int max_us, int consumer_us = 0) {
  const std::vector<int> us = work_micros(n, seed, max_us);
  PipelineRun run;
  std::atomic<int> alive{0};
  std::atomic<int> peak{0};
  int next = 0;
  std::function<bool(Item&)> produce = [&](Item& item) {
    if (next == n) return false;
    item.index = next++;
    const int now = ++alive;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    return true;
  };
  std::function<Result(Item&)> work = [&](Item& item) {
    std::this_thread::sleep_for(std::chrono::microseconds(us[static_cast<size_t>(item.index)]));
    return Result{item.index, int64_t{item.index} * item.index};
  };
  std::function<void(Result&)> consume = [&](Result& r) {
    EXPECT_EQ(r.square, int64_t{r.index} * r.index);
    run.consumed.push_back(r.index);
    if (consumer_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(consumer_us));
    --alive;
  };
  core::ordered_map<Item, Result>(threads, max_in_flight, produce, work, consume);
  EXPECT_EQ(alive.load(), 0);
  run.peak_alive = peak.load();
  return run;
}

std::vector<int> iota_vec(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

TEST(OrderedMap, KeepsInputOrderForAnyThreadCount) {
  for (int threads : {1, 2, 4}) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      const PipelineRun run = run_squares(threads, static_cast<size_t>(2 * threads), 300, seed, 400);
      EXPECT_EQ(run.consumed, iota_vec(300)) << "threads=" << threads << " seed=" << seed;
    }
  }
}

TEST(OrderedMap, EmptyInputConsumesNothing) {
  for (int threads : {1, 2, 4}) {
    const PipelineRun run = run_squares(threads, 8, 0, 1, 0);
    EXPECT_TRUE(run.consumed.empty()) << "threads=" << threads;
    EXPECT_EQ(run.peak_alive, 0);
  }
}

// Header: "At most max_in_flight inputs are queued, being worked on, or waiting to be
// consumed". The code raises max_in_flight to `threads` when it is smaller, so the
// exact bound is max(max_in_flight, threads) (and 1 when everything runs inline).
TEST(OrderedMap, NeverMoreThanMaxInFlightItemsAlive) {
  for (int threads : {1, 2, 4}) {
    for (size_t max_in_flight : {size_t{1}, size_t{3}, size_t{5}, size_t{16}}) {
      // A slow consumer makes the producer run ahead as far as it is allowed to.
      const PipelineRun run = run_squares(threads, max_in_flight, 120, 7, 300, /*consumer_us=*/200);
      const size_t bound = threads <= 1 ? 1 : std::max(max_in_flight, static_cast<size_t>(threads));
      EXPECT_LE(static_cast<size_t>(run.peak_alive), bound)
          << "threads=" << threads << " max_in_flight=" << max_in_flight;
      // And the producer does run ahead: every worker can have an item.
      EXPECT_GE(run.peak_alive, std::max(1, threads));
      EXPECT_EQ(run.consumed, iota_vec(120));
    }
  }
}

struct WorkFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(OrderedMap, ExceptionFromWorkIsRethrownAfterEarlierItemsAreConsumed) {
  constexpr int kN = 200;
  for (int threads : {1, 2, 4}) {
    for (int k : {0, 1, 37, kN - 1}) {
      const std::vector<int> us = work_micros(kN, 11u + static_cast<uint32_t>(k), 300);
      std::vector<int> consumed;
      std::atomic<int> working{0};
      int next = 0;
      std::function<bool(Item&)> produce = [&](Item& item) {
        if (next == kN) return false;
        item.index = next++;
        return true;
      };
      std::function<Result(Item&)> work = [&](Item& item) {
        ++working;
        std::this_thread::sleep_for(std::chrono::microseconds(us[static_cast<size_t>(item.index)]));
        --working;
        if (item.index == k) throw WorkFailed("item " + std::to_string(k));
        return Result{item.index, 0};
      };
      std::function<void(Result&)> consume = [&](Result& r) { consumed.push_back(r.index); };
      try {
        core::ordered_map<Item, Result>(threads, static_cast<size_t>(2 * threads), produce, work, consume);
        ADD_FAILURE() << "no exception (threads=" << threads << ", k=" << k << ")";
      } catch (const WorkFailed& e) {
        EXPECT_EQ(std::string(e.what()), "item " + std::to_string(k));
      }
      EXPECT_EQ(consumed, iota_vec(k)) << "threads=" << threads << " k=" << k;
      // "outstanding work is finished (and discarded) first": nothing still runs.
      EXPECT_EQ(working.load(), 0) << "threads=" << threads << " k=" << k;
    }
  }
}

TEST(ThreadPool, RunsEverySubmittedTaskBeforeDestruction) {
  for (int threads : {1, 2, 4}) {
    constexpr int kTasks = 500;
    const std::vector<int> us = work_micros(kTasks, 5, 200);
    std::atomic<int> done{0};
    std::vector<std::atomic<int>> runs(kTasks);
    {
      core::ThreadPool pool(threads);
      for (int i = 0; i < kTasks; ++i) {
        pool.submit([&, i] {
          std::this_thread::sleep_for(std::chrono::microseconds(us[static_cast<size_t>(i)]));
          ++runs[static_cast<size_t>(i)];
          ++done;
        });
      }
    }  // the destructor must drain the queue, not drop it
    EXPECT_EQ(done.load(), kTasks) << "threads=" << threads;
    for (int i = 0; i < kTasks; ++i) EXPECT_EQ(runs[static_cast<size_t>(i)].load(), 1) << i;
  }
}

TEST(ThreadPool, RunEachCallsEveryIndexOnceAtOnceAndRethrowsTheFirstFailure) {
  core::ThreadPool pool(2);
  for (size_t n : {0, 1, 3}) {
    std::vector<std::atomic<int>> runs(n);
    std::vector<std::thread::id> thread_of(n);
    pool.run_each(n, [&](size_t k) {
      ++runs[k];
      thread_of[k] = std::this_thread::get_id();
    });
    for (size_t k = 0; k < n; ++k) EXPECT_EQ(runs[k].load(), 1) << k;
    if (n > 0) {
      EXPECT_EQ(thread_of[0], std::this_thread::get_id());  // index 0 on the caller
    }
  }
  // The calls overlap: each waits until both have started (a pool that ran them one after
  // the other would never get past the wait).
  std::atomic<int> started{0};
  pool.run_each(2, [&](size_t) {
    ++started;
    while (started.load() < 2) std::this_thread::yield();
  });
  EXPECT_EQ(started.load(), 2);
  // Every call finishes before the first failure (in index order) is rethrown.
  std::atomic<int> finished{0};
  try {
    pool.run_each(3, [&](size_t k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(k == 2 ? 20 : 0));
      ++finished;
      if (k >= 1) throw std::runtime_error("part " + std::to_string(k));
    });
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "part 1");
  }
  EXPECT_EQ(finished.load(), 3);
}

TEST(ThreadPool, ZeroThreadsStillRunsTasks) {
  std::atomic<int> done{0};
  {
    core::ThreadPool pool(0);  // clamped to one worker
    for (int i = 0; i < 10; ++i) pool.submit([&] { ++done; });
  }
  EXPECT_EQ(done.load(), 10);
}

}  // namespace
}  // namespace molprop::core

namespace molprop::core {
namespace {

// Issue 14 case 3: `--threads 100000` ended in "terminate called without an active
// exception" (a joinable std::thread destroyed while the pool's constructor unwound).
// A child process whose address space has room for a few thread stacks only asks for 64.
TEST(Reliability, ThreadPoolTheSystemRefusesIsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t room = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + (24u << 20);
    const rlimit limit{room, room};
    if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(3);
    std::string message;
    int code = 1;  // no exception: the system started 64 threads in 24 MB
    try {
      ThreadPool pool(64);
    } catch (const Error& e) {
      message = e.what();
      code = 0;
    } catch (...) {
      code = 2;
    }
    if (::write(fds[1], message.data(), message.size()) < 0) code = 4;
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string message;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status) << " (std::terminate?)";
  ASSERT_EQ(WEXITSTATUS(status), 0) << "exit code " << WEXITSTATUS(status) << " (1: no error, 2: not a molprop::Error)";
  EXPECT_NE(message.find("cannot start 64 worker threads"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(Reliability, ThreadCountsAboveTheMaximumAreRefused) {
  EXPECT_NO_THROW(check_threads("Options::threads", kMaxThreads));
  try {
    check_threads("Options::threads", 100000);
    ADD_FAILURE() << "100000 threads accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Options::threads must be in [1, 1024], got 100000");
  }
  EXPECT_THROW(check_threads("Options::threads", 0), Error);
}

}  // namespace
}  // namespace molprop::core
