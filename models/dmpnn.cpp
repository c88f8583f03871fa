#include "models/dmpnn.h"

#include <ATen/Parallel.h>

#include <cstring>

#include "core/check.h"
#include "models/bf16.h"
#include "models/onednn_gemm.h"

namespace molprop::models {

DmpnnEncoder::DmpnnEncoder(const EncoderOptions& options) : options_(options) {
  const int64_t h = options.hidden;
  atom_in_ = register_module("atom_in", CategoricalEmbedding(options.atom_cardinalities, h));
  bond_in_ = register_module("bond_in", CategoricalEmbedding(options.bond_cardinalities, h));
  atom_out_ = register_module("atom_out", CategoricalEmbedding(options.atom_cardinalities, h));
  w_h_ = register_module("w_h", Dense(torch::nn::LinearOptions(h, h).bias(false)));
  const int64_t layers = options.depth - 1;  // Chemprop's depth counts the input layer
  const int64_t jk_width = options.jk == "concat" ? h * (layers + 1) : h;
  w_o_ = register_module("w_o", Dense(jk_width, h));
  for (int64_t t = 0; t < layers; ++t) {
    norms_.push_back(make_norm(options.norm, h));
    register_module("norm" + std::to_string(t), norms_.back().ptr());
  }
  dropout_ = register_module("dropout", torch::nn::Dropout(options.dropout));
  if (options.virtual_node) w_u_ = register_module("w_u", Dense(h, h));
}

namespace {

// torch::relu, which keeps a NaN (a select, so the loops vectorise).
inline float relu(float v) { return (v > 0.0f || v != v) ? v : 0.0f; }

// The atom's sum of incoming edge states gets state row s: the first edge into the atom
// writes 0 + s (as adding to a zero-filled sum would), the others add.
__attribute__((always_inline)) inline void add_into_atom(const float* s, bool first, int64_t h, float* to) {
  if (first) {
    for (int64_t j = 0; j < h; ++j) to[j] = 0.0f + s[j];
  } else {
    for (int64_t j = 0; j < h; ++j) to[j] += s[j];
  }
}

// message_e = incoming[src_e] − state[rev_e], converted to the GEMM's input type; inlined
// into one clone per output type and instruction set below.
template <typename Out, typename Convert>
__attribute__((always_inline)) inline void gather_messages(const float* incoming, const float* state,
                                                           const int64_t* src, const int64_t* rev, int64_t first,
                                                           int64_t last, int64_t h, Out* out, Convert convert) {
  for (int64_t e = first; e < last; ++e) {
    const float* a = incoming + src[e] * h;
    const float* b = state + rev[e] * h;
    Out* o = out + e * h;
    for (int64_t j = 0; j < h; ++j) o[j] = convert(a[j] - b[j]);
  }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void gather_messages_f32(
    const float* incoming, const float* state, const int64_t* src, const int64_t* rev, int64_t first, int64_t last,
    int64_t h, float* out) {
  gather_messages(incoming, state, src, rev, first, last, h, out, [](float v) { return v; });
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void gather_messages_bf16(
    const float* incoming, const float* state, const int64_t* src, const int64_t* rev, int64_t first, int64_t last,
    int64_t h, uint16_t* out) {
  gather_messages(incoming, state, src, rev, first, last, h, out, [](float v) { return to_bf16(v); });
}

// h⁰_e = A[atom_ids[src_e]] + B[bond_ids_e], from the batch's distinct atom and bond
// embedding sums (models::DistinctRows): the tensor path's A_in[x].index_select(0, src) +
// B[x_e], recomputed where it is needed instead of stored (small tables stay in cache, an
// edges × hidden h⁰ did not).
struct EdgeInputs {
  const float* atom_sums;
  const int64_t* atom_ids;
  const float* bond_sums;
  const int64_t* bond_ids;
  const int64_t* src;
  const float* atom_row(int64_t e, int64_t h) const { return atom_sums + atom_ids[src[e]] * h; }
  const float* bond_row(int64_t e, int64_t h) const { return bond_sums + bond_ids[e] * h; }
};

// state_e = relu(h⁰_e + product_e) (+ state_e with residual connections).
__attribute__((target_clones("avx512f", "avx2", "default"))) void update_states(const EdgeInputs& in,
                                                                               const float* product, int64_t first,
                                                                               int64_t last, int64_t h, bool residual,
                                                                               float* state) {
  for (int64_t e = first; e < last; ++e) {
    const float* a = in.atom_row(e, h);
    const float* b = in.bond_row(e, h);
    const float* p = product + e * h;
    float* s = state + e * h;
    for (int64_t j = 0; j < h; ++j) {
      const float v = (a[j] + b[j]) + p[j];
      const float next = relu(v);
      s[j] = residual ? next + s[j] : next;
    }
  }
}

// state_e = relu(h⁰_e); with `incoming` (one thread), also incoming[dst_e] += state_e in edge
// order, as scatter_rows into zeros: first_in[e] marks e as the first edge into its atom,
// which writes 0 + state_e (no zero-filled array first; atoms without edges are zeroed apart).
__attribute__((target_clones("avx512f", "avx2", "default"))) void embed_edges(const EdgeInputs& in,
                                                                             const int64_t* dst, int64_t first,
                                                                             int64_t last, int64_t h, float* state,
                                                                             float* incoming, const uint8_t* first_in) {
  for (int64_t e = first; e < last; ++e) {
    const float* a = in.atom_row(e, h);
    const float* b = in.bond_row(e, h);
    float* s = state + e * h;
    for (int64_t j = 0; j < h; ++j) {
      s[j] = relu(a[j] + b[j]);
    }
    if (incoming != nullptr) add_into_atom(s, first_in[e] != 0, h, incoming + dst[e] * h);
  }
}

// out_v = relu(A_out[ids_v] + out_v): the tensor path's relu(A_out[x] + W_o·m + b).
__attribute__((target_clones("avx512f", "avx2", "default"))) void add_rows_relu(const float* sums,
                                                                               const int64_t* ids, int64_t rows,
                                                                               int64_t h, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* a = sums + ids[r] * h;
    float* o = out + r * h;
    for (int64_t j = 0; j < h; ++j) {
      o[j] = relu(a[j] + o[j]);
    }
  }
}

// update_states then scatter_rows in one pass over the edges (one thread): the same
// values and the same order of additions, without reading the states back.
__attribute__((target_clones("avx512f", "avx2", "default"))) void update_and_scatter(
    const EdgeInputs& in, const float* product, const int64_t* dst, const uint8_t* first_in, int64_t edges, int64_t h,
    bool residual, float* state, float* incoming) {
  for (int64_t e = 0; e < edges; ++e) {
    const float* a = in.atom_row(e, h);
    const float* b = in.bond_row(e, h);
    const float* p = product + e * h;
    float* s = state + e * h;
    for (int64_t j = 0; j < h; ++j) {
      const float next = relu((a[j] + b[j]) + p[j]);
      s[j] = residual ? next + s[j] : next;
    }
    add_into_atom(s, first_in[e] != 0, h, incoming + dst[e] * h);
  }
}

// out_e = g[index_e] for every row e (index_select's values; the backward of a scatter).
void gather_rows(const float* g, const int64_t* index, int64_t rows, int64_t h, float* out) {
  at::parallel_for(0, rows, 64, [&](int64_t first, int64_t last) {
    for (int64_t e = first; e < last; ++e) std::memcpy(out + e * h, g + index[e] * h, sizeof(float) * h);
  });
}

// out[index_e] += g_e (or −g_e) in row order, the order of index_add_, so the same sums: the
// states' sums into the atoms (index = dst), and the backward of a gather.
__attribute__((target_clones("avx512f", "avx2", "default"))) void scatter_rows(const float* g, const int64_t* index,
                                                                              int64_t rows, int64_t h, bool negate,
                                                                              float* out) {
  for (int64_t e = 0; e < rows; ++e) {
    float* o = out + index[e] * h;
    const float* x = g + e * h;
    if (negate) {
      for (int64_t j = 0; j < h; ++j) o[j] += -x[j];
    } else {
      for (int64_t j = 0; j < h; ++j) o[j] += x[j];
    }
  }
}

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// message_e = incoming[src_e] − state[rev_e] with autograd: the values of
// incoming.index_select(0, src) − state.index_select(0, rev), as one pass forward and two
// scatters backward instead of five LibTorch ops (index_select ×2, sub, neg, index_add_ ×2).
class GatherMessages : public torch::autograd::Function<GatherMessages> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& incoming, const torch::Tensor& state,
                               const torch::Tensor& src, const torch::Tensor& rev) {
    const torch::Tensor in = incoming.contiguous(), st = state.contiguous();
    const int64_t edges = st.size(0), h = st.size(1);
    torch::Tensor out = torch::empty({edges, h}, st.options());
    at::parallel_for(0, edges, 64, [&](int64_t first, int64_t last) {
      gather_messages_f32(in.data_ptr<float>(), st.data_ptr<float>(), src.data_ptr<int64_t>(),
                          rev.data_ptr<int64_t>(), first, last, h, out.data_ptr<float>());
    });
    ctx->save_for_backward({src, rev});
    ctx->saved_data["atoms"] = in.size(0);
    return out;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor g = grad_outputs[0].contiguous();
    const int64_t edges = g.size(0), h = g.size(1);
    torch::Tensor g_in = torch::zeros({ctx->saved_data["atoms"].toInt(), h}, g.options());
    torch::Tensor g_state = torch::zeros({edges, h}, g.options());
    scatter_rows(g.data_ptr<float>(), saved[0].data_ptr<int64_t>(), edges, h, false, g_in.data_ptr<float>());
    scatter_rows(g.data_ptr<float>(), saved[1].data_ptr<int64_t>(), edges, h, true, g_state.data_ptr<float>());
    return {g_in, g_state, torch::Tensor(), torch::Tensor()};
  }
};

// sums[dst_e] += state_e with autograd (zeros.index_add_(0, dst, state)); backward: a gather.
class SumIntoAtoms : public torch::autograd::Function<SumIntoAtoms> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& state, const torch::Tensor& dst,
                               int64_t atoms) {
    const torch::Tensor st = state.contiguous();
    torch::Tensor sums = torch::zeros({atoms, st.size(1)}, st.options());
    scatter_rows(st.data_ptr<float>(), dst.data_ptr<int64_t>(), st.size(0), st.size(1), false, sums.data_ptr<float>());
    ctx->save_for_backward({dst});
    return sums;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const torch::Tensor dst = ctx->get_saved_variables()[0];
    const torch::Tensor g = grad_outputs[0].contiguous();
    torch::Tensor g_state = torch::empty({dst.size(0), g.size(1)}, g.options());
    gather_rows(g.data_ptr<float>(), dst.data_ptr<int64_t>(), dst.size(0), g.size(1), g_state.data_ptr<float>());
    return {g_state, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gather_messages(const torch::Tensor& incoming, const torch::Tensor& state, const torch::Tensor& src,
                              const torch::Tensor& rev) {
  MOLPROP_CHECK(incoming.scalar_type() == torch::kFloat32 && state.scalar_type() == torch::kFloat32 &&
                    incoming.device().is_cpu() && state.device().is_cpu() && src.scalar_type() == torch::kLong &&
                    rev.scalar_type() == torch::kLong && src.is_contiguous() && rev.is_contiguous() &&
                    src.numel() == state.size(0) && rev.numel() == state.size(0) && incoming.size(1) == state.size(1),
                "gather_messages: CPU fp32 states, int64 contiguous indices, one per edge");
  return GatherMessages::apply(incoming, state, src, rev);
}

torch::Tensor sum_into_atoms(const torch::Tensor& state, const torch::Tensor& dst, int64_t atoms) {
  MOLPROP_CHECK(state.scalar_type() == torch::kFloat32 && state.device().is_cpu() &&
                    dst.scalar_type() == torch::kLong && dst.is_contiguous() && dst.numel() == state.size(0),
                "sum_into_atoms: CPU fp32 states, int64 contiguous indices, one per edge");
  return SumIntoAtoms::apply(state, dst, atoms);
}

bool DmpnnEncoder::fused_applies(const GraphTensors& g) const {
  const DensePath path = dense_path();
  return !is_training() && !torch::GradMode::is_enabled() && path != DensePath::kReference && !w_u_ &&
         options_.norm == "none" && g.num_edges > 0 && g.edge_src.device().is_cpu() &&
         atom_in_->parameters()[0].scalar_type() == torch::kFloat32;
}

std::vector<torch::Tensor> DmpnnEncoder::run_fused(const GraphTensors& g, const DistinctRows& atoms) {
  const int64_t h = options_.hidden, edges = g.num_edges;
  const bool bf16 = dense_path() == DensePath::kOnednnBf16;
  const torch::Tensor src = g.edge_src.contiguous(), dst = g.edge_dst.contiguous(), rev = g.edge_rev.contiguous();
  const int64_t* src_p = src.data_ptr<int64_t>();
  const int64_t* dst_p = dst.data_ptr<int64_t>();
  const int64_t* rev_p = rev.data_ptr<int64_t>();
  // h⁰ = A_in[x_src] + B[x_e] and its ReLU, from the distinct atom and bond rows' sums.
  const torch::Tensor atom_x = g.atom_features.to(torch::kLong).contiguous();
  const torch::Tensor bond_x = g.bond_features.to(torch::kLong).contiguous();
  const DistinctRows bonds = bond_in_->distinct(bond_x);
  const torch::Tensor atom_sums = atom_in_->distinct_sums(atom_x, atoms);
  const torch::Tensor bond_sums = bond_in_->distinct_sums(bond_x, bonds);
  const EdgeInputs in{atom_sums.data_ptr<float>(), atoms.ids.data(), bond_sums.data_ptr<float>(), bonds.ids.data(),
                      src_p};
  torch::Tensor state = torch::empty({edges, h}, atom_sums.options());
  const bool one_thread = at::get_num_threads() == 1 || at::in_parallel_region();
  std::vector<torch::Tensor> incoming;
  // One thread: the sums into the atoms are written by the passes over the edges, the first
  // edge into an atom starting its sum (atoms without edges get zeros here).
  std::vector<uint8_t> first_in;
  std::vector<int64_t> lonely;
  auto new_sums = [&] {
    torch::Tensor sums = torch::empty({g.num_atoms, h}, atom_sums.options());
    for (const int64_t a : lonely) std::memset(sums.data_ptr<float>() + a * h, 0, sizeof(float) * h);
    return sums;
  };
  if (one_thread) {
    first_in.assign(edges, 0);
    std::vector<uint8_t> reached(g.num_atoms, 0);
    for (int64_t e = 0; e < edges; ++e) {
      first_in[e] = reached[dst_p[e]] == 0;
      reached[dst_p[e]] = 1;
    }
    for (int64_t a = 0; a < g.num_atoms; ++a)
      if (reached[a] == 0) lonely.push_back(a);
    incoming.push_back(new_sums());
    embed_edges(in, dst_p, 0, edges, h, state.data_ptr<float>(), incoming[0].data_ptr<float>(), first_in.data());
  } else {
    at::parallel_for(0, edges, 64, [&](int64_t first, int64_t last) {
      embed_edges(in, dst_p, first, last, h, state.data_ptr<float>(), nullptr, nullptr);
    });
  }
  auto atom_sum = [&](const torch::Tensor& edge_states) {
    torch::Tensor sums = torch::zeros({g.num_atoms, h}, edge_states.options());
    scatter_rows(edge_states.data_ptr<float>(), dst_p, edges, h, false, sums.data_ptr<float>());
    return sums;
  };
  if (!one_thread) incoming.push_back(atom_sum(state));
  if (norms_.empty()) return incoming;
  const torch::Tensor weight = w_h_->weight.to(bf16 ? torch::kBFloat16 : torch::kFloat32).contiguous();
  torch::Tensor message = torch::empty({edges, h}, state.options().dtype(bf16 ? torch::kBFloat16 : torch::kFloat32));
  torch::Tensor product = torch::empty({edges, h}, state.options());
  GemmOperands op;
  op.type = bf16 ? GemmType::kBFloat16 : GemmType::kFloat32;
  op.m = edges;
  op.k = h;
  op.n = h;
  op.a = message.data_ptr();
  op.b = weight.data_ptr();
  op.trans_b = true;  // x · Wᵀ, W stored out × in
  op.c = product.data_ptr<float>();
  op.threads = dense_threads();
  constexpr int64_t kGrain = 64;  // edges per task of LibTorch's intra-op pool
  for (size_t t = 0; t < norms_.size(); ++t) {
    const float* in_p = incoming.back().data_ptr<float>();
    const float* state_p = state.data_ptr<float>();
    at::parallel_for(0, edges, kGrain, [&](int64_t first, int64_t last) {
      if (bf16) {
        gather_messages_bf16(in_p, state_p, src_p, rev_p, first, last, h,
                             reinterpret_cast<uint16_t*>(message.data_ptr<at::BFloat16>()));
      } else {
        gather_messages_f32(in_p, state_p, src_p, rev_p, first, last, h, message.data_ptr<float>());
      }
    });
    onednn_gemm(op);
    if (one_thread) {
      torch::Tensor sums = new_sums();
      update_and_scatter(in, op.c, dst_p, first_in.data(), edges, h, options_.residual, state.data_ptr<float>(),
                         sums.data_ptr<float>());
      incoming.push_back(sums);
      continue;
    }
    at::parallel_for(0, edges, kGrain, [&](int64_t first, int64_t last) {
      update_states(in, op.c, first, last, h, options_.residual, state.data_ptr<float>());
    });
    incoming.push_back(atom_sum(state));
  }
  return incoming;
}

std::vector<torch::Tensor> DmpnnEncoder::run(const GraphTensors& g) {
  if (fused_applies(g)) return run_fused(g, atom_in_->distinct(g.atom_features.to(torch::kLong).contiguous()));
  const int64_t h = options_.hidden;
  // CPU fp32 (training included): the gather and the sums into the atoms as our own autograd
  // functions (same values; see GatherMessages); elsewhere LibTorch's ops.
  const bool own_ops = g.edge_src.device().is_cpu() && atom_in_->parameters()[0].scalar_type() == torch::kFloat32 &&
                       g.edge_src.scalar_type() == torch::kLong && g.edge_dst.scalar_type() == torch::kLong &&
                       g.edge_rev.scalar_type() == torch::kLong;
  const torch::Tensor src = own_ops ? g.edge_src.contiguous() : g.edge_src;
  const torch::Tensor dst = own_ops ? g.edge_dst.contiguous() : g.edge_dst;
  const torch::Tensor rev = own_ops ? g.edge_rev.contiguous() : g.edge_rev;
  auto atom_sum = [&](const torch::Tensor& edge_states) {
    if (own_ops) return sum_into_atoms(edge_states, dst, g.num_atoms);
    return torch::zeros({g.num_atoms, h}, edge_states.options()).index_add_(0, g.edge_dst, edge_states);
  };
  std::vector<torch::Tensor> incoming;  // per layer: A × h sums of messages into each atom
  if (g.num_edges == 0) {
    // No bonds anywhere in the batch (e.g. single atoms, ions): no messages.
    incoming.push_back(torch::zeros({g.num_atoms, h}, atom_in_->parameters()[0].options()));
    return incoming;
  }
  const torch::Tensor h0 = atom_in_(g.atom_features).index_select(0, g.edge_src) + bond_in_(g.bond_features);
  torch::Tensor state = dropout_(torch::relu(h0));
  incoming.push_back(atom_sum(state));
  // Virtual node: per-molecule state, and each edge's molecule (through its source atom).
  torch::Tensor node, inverse_atoms, edge_mol;
  if (w_u_) {
    node = torch::zeros({g.num_molecules, h}, state.options());
    inverse_atoms = torch::zeros({g.num_molecules, 1}, state.options())
                        .index_add_(0, g.atom_to_mol, torch::ones({g.num_atoms, 1}, state.options()))
                        .clamp_min(1)
                        .reciprocal();
    edge_mol = g.atom_to_mol.index_select(0, g.edge_src);
  }
  for (size_t t = 0; t < norms_.size(); ++t) {
    torch::Tensor message = own_ops ? gather_messages(incoming.back(), state, src, rev)
                                    : incoming.back().index_select(0, g.edge_src) - state.index_select(0, g.edge_rev);
    if (w_u_) {
      const torch::Tensor mean =
          torch::zeros({g.num_molecules, h}, state.options()).index_add_(0, g.atom_to_mol, incoming.back()) *
          inverse_atoms;
      node = torch::relu(w_u_(mean)) + node;
      message = message + node.index_select(0, edge_mol);
    }
    torch::Tensor next = norms_[t].forward(h0 + w_h_(message));
    next = dropout_(torch::relu(next));
    state = options_.residual ? next + state : next;
    incoming.push_back(atom_sum(state));
  }
  return incoming;
}

torch::Tensor DmpnnEncoder::atom_output(const GraphTensors& g, const torch::Tensor& incoming) {
  return dropout_(torch::relu(atom_out_(g.atom_features) + w_o_(incoming)));
}

torch::Tensor DmpnnEncoder::forward(const GraphTensors& g) {
  if (fused_applies(g)) {
    // Atom embeddings in and out share the batch's distinct atom rows.
    const DistinctRows atoms = atom_in_->distinct(g.atom_features.to(torch::kLong).contiguous());
    const std::vector<torch::Tensor> incoming = run_fused(g, atoms);
    const torch::Tensor m = jumping_knowledge(
        options_.jk == "last" ? std::vector<torch::Tensor>{incoming.back()} : incoming, options_.jk);
    torch::Tensor out = w_o_(m).contiguous();
    const torch::Tensor sums = atom_out_->distinct_sums(g.atom_features.to(torch::kLong).contiguous(), atoms);
    add_rows_relu(sums.data_ptr<float>(), atoms.ids.data(), out.size(0), out.size(1), out.data_ptr<float>());
    return out;
  }
  std::vector<torch::Tensor> incoming = run(g);
  if (options_.jk == "concat" && incoming.size() < norms_.size() + 1) {
    // Batch without bonds: pad with zeros to the width W_o expects.
    while (incoming.size() < norms_.size() + 1) incoming.push_back(torch::zeros_like(incoming[0]));
  }
  return atom_output(
      g,
      jumping_knowledge(options_.jk == "last" ? std::vector<torch::Tensor>{incoming.back()} : incoming, options_.jk));
}

std::vector<torch::Tensor> DmpnnEncoder::layer_states(const GraphTensors& g) {
  // Per layer, the sum of messages into each atom: the atom-level view of the edge states.
  return run(g);
}

}  // namespace molprop::models
