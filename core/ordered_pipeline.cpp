#include "core/ordered_pipeline.h"

#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <queue>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "core/check.h"

namespace molprop::core {

struct ThreadPool::Impl {
  std::mutex mutex;
  std::condition_variable cv;
  std::queue<std::function<void()>> tasks;
  bool stopping = false;
  std::vector<std::thread> workers;

  void run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] { return stopping || !tasks.empty(); });
        if (tasks.empty()) return;  // stopping and drained
        task = std::move(tasks.front());
        tasks.pop();
      }
      task();
    }
  }
};

ThreadPool::ThreadPool(int threads) : impl_(std::make_unique<Impl>()) {
  try {
    for (int i = 0; i < std::max(1, threads); ++i) impl_->workers.emplace_back([this] { impl_->run(); });
  } catch (const std::system_error& e) {
    // The system refused a thread: stop the ones started (a joinable std::thread
    // destroyed during unwinding would call std::terminate) and report it as an error.
    const size_t started = impl_->workers.size();
    {
      std::lock_guard<std::mutex> lock(impl_->mutex);
      impl_->stopping = true;
    }
    impl_->cv.notify_all();
    for (auto& w : impl_->workers) w.join();
    throw Error("cannot start " + std::to_string(threads) + " worker threads (the system refused thread " +
                std::to_string(started + 1) + ": " + e.what() + "); use fewer threads");
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  for (auto& w : impl_->workers) w.join();
}

void ThreadPool::submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->tasks.push(std::move(task));
  }
  impl_->cv.notify_one();
}

void ThreadPool::run_each(size_t n, const std::function<void(size_t)>& fn) {
  std::vector<std::future<void>> helpers;
  for (size_t k = 1; k < n; ++k) {
    auto task = std::make_shared<std::packaged_task<void()>>([&fn, k] { fn(k); });
    helpers.push_back(task->get_future());
    submit([task] { (*task)(); });
  }
  std::exception_ptr failure;
  try {
    if (n > 0) fn(0);
  } catch (...) {
    failure = std::current_exception();
  }
  for (auto& h : helpers) {
    try {
      h.get();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace molprop::core
