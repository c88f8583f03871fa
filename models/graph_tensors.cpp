#include "models/graph_tensors.h"

namespace molprop::models {
namespace {

// from_blob views the batch's memory; .to(kLong) makes the one owned copy.
torch::Tensor view_u8(const std::vector<uint8_t>& v, int64_t rows) {
  const int64_t cols = rows > 0 ? static_cast<int64_t>(v.size()) / rows : 0;
  return torch::from_blob(const_cast<uint8_t*>(v.data()), {rows, cols}, torch::kUInt8);
}

}  // namespace

GraphTensors to_tensors(const data::Batch& b, const torch::Device& device, const torch::Tensor& descriptors) {
  GraphTensors g;
  g.num_molecules = b.num_molecules;
  g.num_atoms = b.num_atoms;
  g.num_edges = b.num_edges;
  g.atom_features = view_u8(b.atom_features, b.num_atoms).to(device, torch::kLong);
  g.bond_features = view_u8(b.bond_features, b.num_edges).to(device, torch::kLong);
  auto edges = torch::from_blob(const_cast<int32_t*>(b.edge_index.data()), {b.num_edges, 2}, torch::kInt32)
                   .to(device, torch::kLong);
  g.edge_src = edges.select(1, 0).contiguous();
  g.edge_dst = edges.select(1, 1).contiguous();
  g.edge_rev = torch::arange(b.num_edges, torch::TensorOptions().dtype(torch::kLong).device(device)).bitwise_xor(1);
  g.atom_to_mol = torch::from_blob(const_cast<int32_t*>(b.atom_to_mol.data()), {b.num_atoms}, torch::kInt32)
                      .to(device, torch::kLong);
  if (b.num_targets > 0) {
    g.targets =
        torch::from_blob(const_cast<float*>(b.targets.data()), {b.num_molecules, b.num_targets}, torch::kFloat32)
            .to(device)
            .clone();
  }
  if (descriptors.defined()) g.descriptors = descriptors.to(device);
  return g;
}

}  // namespace molprop::models
