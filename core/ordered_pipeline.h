#pragma once
// Parallel map over a stream that keeps input order and bounds memory.
//
// A producer (the calling thread) reads inputs; `threads` workers transform them; the
// calling thread consumes results strictly in input order. At most `max_in_flight`
// inputs are queued, being worked on, or waiting to be consumed, so a slow consumer or a
// huge input never grows memory. With threads ≤ 1 everything runs inline on the caller.
// An exception thrown by `work` is rethrown to the caller when its turn to be consumed
// comes; outstanding work is finished (and discarded) first.
#include <deque>
#include <functional>
#include <future>
#include <memory>

namespace molprop::core {

class ThreadPool {
 public:
  // Throws molprop::Error "cannot start N worker threads (...)" when the system refuses a
  // thread (after stopping the ones it started).
  explicit ThreadPool(int threads);
  ~ThreadPool();  // finishes queued tasks, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  void submit(std::function<void()> task);
  // fn(0) on the calling thread and fn(1), ..., fn(n − 1) on the pool's threads, all at
  // once; returns when every call has returned, then rethrows the first exception in k
  // order (after all have finished, so nothing `fn` refers to is still in use).
  void run_each(size_t n, const std::function<void(size_t)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

template <typename In, typename Out>
void ordered_map(int threads, size_t max_in_flight, const std::function<bool(In&)>& produce,
                 const std::function<Out(In&)>& work, const std::function<void(Out&)>& consume) {
  if (threads <= 1) {
    In in;
    while (produce(in)) {
      Out out = work(in);
      consume(out);
    }
    return;
  }
  if (max_in_flight < static_cast<size_t>(threads)) max_in_flight = static_cast<size_t>(threads);
  std::deque<std::future<Out>> pending;
  // Declared after `pending`: destroyed first, so workers finish before the futures go.
  ThreadPool pool(threads);
  auto consume_front = [&] {
    Out out = pending.front().get();
    pending.pop_front();
    consume(out);
  };
  while (true) {
    auto in = std::make_shared<In>();
    if (!produce(*in)) break;
    auto task = std::make_shared<std::packaged_task<Out()>>([in, &work] { return work(*in); });
    pending.push_back(task->get_future());
    pool.submit([task] { (*task)(); });
    if (pending.size() >= max_in_flight) consume_front();
  }
  while (!pending.empty()) consume_front();
}

}  // namespace molprop::core
