#include "models/onednn_gemm.h"

#include <omp.h>

#include <map>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <tuple>
#include <unordered_map>

#include "core/check.h"

namespace molprop::models {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;

memory::data_type data_type(GemmType t) {
  return t == GemmType::kBFloat16 ? memory::data_type::bf16 : memory::data_type::f32;
}

// Per thread: oneDNN streams are not thread-safe, and keeping primitives per thread
// makes concurrent inference workers independent.
struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::map<std::tuple<int, bool, bool, bool>, dnnl::matmul> primitives;
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

dnnl::matmul& primitive(ThreadState& s, GemmType type, bool trans_a, bool trans_b, bool bias) {
  const auto key = std::make_tuple(static_cast<int>(type), trans_a, trans_b, bias);
  auto it = s.primitives.find(key);
  if (it != s.primitives.end()) return it->second;
  constexpr memory::dim rt = DNNL_RUNTIME_DIM_VAL;
  const memory::data_type dt = data_type(type);
  const memory::desc a_md({rt, rt}, dt, trans_a ? Tag::ba : Tag::ab);
  const memory::desc b_md({rt, rt}, dt, trans_b ? Tag::ba : Tag::ab);
  const memory::desc c_md({rt, rt}, memory::data_type::f32, Tag::ab);
  const dnnl::matmul::desc desc =
      bias ? dnnl::matmul::desc(a_md, b_md, memory::desc({1, rt}, memory::data_type::f32, Tag::ab), c_md)
           : dnnl::matmul::desc(a_md, b_md, c_md);
  const dnnl::matmul::primitive_desc pd(desc, s.engine);
  return s.primitives.emplace(key, dnnl::matmul(pd)).first->second;
}

// OpenMP's thread count for one product, restored on every exit.
class ThreadsFor {
 public:
  explicit ThreadsFor(int n) : saved_(omp_get_max_threads()), change_(n > 0 && n != saved_) {
    if (change_) omp_set_num_threads(n);
  }
  ~ThreadsFor() {
    if (change_) omp_set_num_threads(saved_);
  }
  ThreadsFor(const ThreadsFor&) = delete;
  ThreadsFor& operator=(const ThreadsFor&) = delete;

 private:
  int saved_;
  bool change_;
};

}  // namespace

void onednn_gemm(const GemmOperands& op) {
  MOLPROP_CHECK(op.m >= 0 && op.n >= 0 && op.k >= 0, "onednn_gemm: negative size");
  if (op.m == 0 || op.n == 0) return;
  try {
    ThreadState& s = thread_state();
    dnnl::matmul& mm = primitive(s, op.type, op.trans_a, op.trans_b, op.bias != nullptr);
    const memory::data_type dt = data_type(op.type);
    memory a({{op.m, op.k}, dt, op.trans_a ? Tag::ba : Tag::ab}, s.engine, const_cast<void*>(op.a));
    memory b({{op.k, op.n}, dt, op.trans_b ? Tag::ba : Tag::ab}, s.engine, const_cast<void*>(op.b));
    memory c({{op.m, op.n}, memory::data_type::f32, Tag::ab}, s.engine, op.c);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}};
    if (op.bias) {
      args.emplace(DNNL_ARG_BIAS,
                   memory({{1, op.n}, memory::data_type::f32, Tag::ab}, s.engine, const_cast<float*>(op.bias)));
    }
    ThreadsFor threads(op.threads);
    mm.execute(s.stream, args);
    s.stream.wait();
  } catch (const dnnl::error& e) {
    throw Error(std::string("oneDNN matmul (") + (op.type == GemmType::kBFloat16 ? "bf16" : "fp32") +
                ") failed: " + e.what() + " (status " + std::to_string(static_cast<int>(e.status)) + ")");
  }
}

bool onednn_bf16_available() {
  try {
    ThreadState& s = thread_state();
    primitive(s, GemmType::kBFloat16, false, true, false);
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

}  // namespace molprop::models
