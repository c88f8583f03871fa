#include "inference/oversmoothing.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>

#include "chem/featurizer.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "core/progress.h"
#include "data/collate.h"
#include "data/featurize_stream.h"
#include "models/graph_tensors.h"

namespace molprop::inference {
namespace {

// One batch as the measurement needs it, on the CPU.
struct Molecules {
  models::GraphTensors g;
  torch::Tensor atom_to_mol;         // A int64
  torch::Tensor edge_src, edge_dst;  // E int64
  torch::Tensor atoms;               // M float64: atoms per molecule
  torch::Tensor multi;               // M bool: the molecule has ≥ 2 atoms (is measured)
  torch::Tensor atom_multi;          // A bool: the atom belongs to a measured molecule
};

Molecules index(const data::Batch& batch, const torch::Device& device) {
  Molecules m;
  m.g = models::to_tensors(batch, device);
  m.atom_to_mol = m.g.atom_to_mol.to(torch::kCPU);
  m.edge_src = m.g.edge_src.to(torch::kCPU);
  m.edge_dst = m.g.edge_dst.to(torch::kCPU);
  m.atoms = torch::bincount(m.atom_to_mol, {}, batch.num_molecules).to(torch::kFloat64);
  m.multi = m.atoms >= 2;
  m.atom_multi = m.multi.index_select(0, m.atom_to_mol);
  return m;
}

// Every layer's atom states (padded to `depth`), then the encoder output; float64, CPU.
std::vector<torch::Tensor> encoder_states(models::PropertyModel& model, const models::GraphTensors& g, size_t depth) {
  std::vector<torch::Tensor> states = model->encoder().layer_states(g);
  MOLPROP_CHECK(!states.empty() && states.size() <= depth,
                "the encoder returned " << states.size() << " layer states, its depth is " << depth);
  // D-MPNN returns only its input layer for a batch without any bond: no messages are
  // sent, so every later layer's atom states are zero as well.
  while (states.size() < depth) states.push_back(torch::zeros_like(states.front()));
  states.push_back(model->encoder().forward(g));
  for (auto& s : states) {
    s = s.to(torch::kCPU, torch::kFloat64);
    MOLPROP_CHECK(s.dim() == 2 && s.size(0) == g.num_atoms,
                  "atom states have shape " << s.sizes() << ", expected " << g.num_atoms << " atoms × width");
  }
  return states;
}

struct Sums {
  double cosine = 0, energy = 0;
};

// Sums over the measured molecules of the two measures (see the header) of centred
// states x (A × width).
Sums measure(const torch::Tensor& x, const Molecules& m) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const int64_t mols = m.g.num_molecules;
  const torch::Tensor norms = x.norm(2, {1});  // A
  // Unit rows; an all-zero row stays zero (cosine 0 with every other row).
  const torch::Tensor unit = x / norms.clamp_min(1e-300).unsqueeze(1);
  const torch::Tensor unit_sum = torch::zeros({mols, x.size(1)}, f64).index_add_(0, m.atom_to_mol, unit);
  const torch::Tensor unit_sq = torch::zeros({mols}, f64).index_add_(0, m.atom_to_mol, unit.pow(2).sum(1));
  // Σ_{i≠j} x̂_i·x̂_j = ‖Σ_i x̂_i‖² − Σ_i ‖x̂_i‖²: linear in atoms, no pair matrix.
  const torch::Tensor cosine = (unit_sum.pow(2).sum(1) - unit_sq) / (m.atoms * (m.atoms - 1)).clamp_min(1);

  const torch::Tensor mean_norm = torch::zeros({mols}, f64).index_add_(0, m.atom_to_mol, norms) / m.atoms.clamp_min(1);
  torch::Tensor edge_sum = torch::zeros({mols}, f64);
  if (m.g.num_edges > 0) {
    const torch::Tensor diff = x.index_select(0, m.edge_src) - x.index_select(0, m.edge_dst);
    edge_sum.index_add_(0, m.atom_to_mol.index_select(0, m.edge_src), diff.pow(2).sum(1));
  }
  // All-zero states have no differences either: 0 / tiny = 0.
  const torch::Tensor energy =
      edge_sum / 2 / m.atoms.clamp_min(1) / mean_norm.pow(2).clamp_min(std::numeric_limits<double>::min());
  return {cosine.masked_select(m.multi).sum().item<double>(), energy.masked_select(m.multi).sum().item<double>()};
}

}  // namespace

OversmoothingReport measure_oversmoothing(models::PropertyModel& model, const std::vector<data::Batch>& batches) {
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Device device = model->parameters().front().device();
  const auto depth = static_cast<size_t>(model->config().encoder.depth);

  // Pass 1: the centre μ of each layer (and of the output) over every measured atom.
  std::vector<torch::Tensor> centre;
  int64_t measured_atoms = 0, molecules = 0;
  for (const auto& batch : batches) {
    if (batch.num_molecules == 0) continue;
    const Molecules m = index(batch, device);
    const std::vector<torch::Tensor> states = encoder_states(model, m.g, depth);
    if (centre.empty()) {
      for (const auto& s : states) centre.push_back(torch::zeros({s.size(1)}, torch::kFloat64));
    }
    for (size_t l = 0; l < states.size(); ++l) centre[l] += states[l].index({m.atom_multi}).sum(0);
    measured_atoms += m.atom_multi.sum().item<int64_t>();
    molecules += m.multi.sum().item<int64_t>();
  }
  for (auto& c : centre) c /= static_cast<double>(std::max<int64_t>(1, measured_atoms));

  // Pass 2: the measures on centred states.
  std::vector<Sums> sums(depth + 1);
  for (const auto& batch : batches) {
    if (batch.num_molecules == 0) continue;
    const Molecules m = index(batch, device);
    const std::vector<torch::Tensor> states = encoder_states(model, m.g, depth);
    for (size_t l = 0; l < states.size(); ++l) {
      const Sums s = measure(states[l] - centre[l], m);
      sums[l].cosine += s.cosine;
      sums[l].energy += s.energy;
    }
  }

  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto mean = [&](const Sums& s, int layer) {
    LayerSmoothness r;
    r.layer = layer;
    r.molecules = molecules;
    r.mean_cosine = molecules > 0 ? s.cosine / static_cast<double>(molecules) : nan;
    r.dirichlet_energy = molecules > 0 ? s.energy / static_cast<double>(molecules) : nan;
    return r;
  };
  OversmoothingReport report;
  for (size_t l = 0; l < depth; ++l) report.layers.push_back(mean(sums[l], static_cast<int>(l) + 1));
  report.output = mean(sums[depth], 0);
  return report;
}

OversmoothingCsvResult measure_oversmoothing_csv(models::PropertyModel& model, const OversmoothingCsvOptions& options) {
  options.validate();
  data::FeaturizeStreamOptions stream_options;
  stream_options.smiles_column = options.smiles_column;
  stream_options.threads = options.threads;
  stream_options.chunk_rows = options.batch_size;
  // No progress_label: the progress line below counts parsed molecules, not bytes.
  data::FeaturizeStream stream(options.input, stream_options);
  const int64_t limit = options.max_molecules;

  std::vector<data::Batch> batches;
  OversmoothingCsvResult result;
  core::Progress progress("analyze", limit, "mol", options.quiet);
  auto consume = [&](data::FeaturizedChunk& chunk) {
    data::Batch batch;
    for (const data::FeaturizedRow& r : chunk.rows) {
      ++result.rows;
      if (!r.mol.ok()) {
        ++result.failed;
        continue;
      }
      append_graph(r.mol.graph, nullptr, batch);
      ++result.molecules;
    }
    if (batch.num_molecules > 0) batches.push_back(std::move(batch));
    progress.update(result.molecules, result.molecules);
  };
  // Which rows parse is known only once they are featurised, so read in rounds: each
  // round reads at most as many rows as molecules are still wanted, and a round that
  // meets failures is followed by another. Never reads more than `limit` rows ahead.
  while (!stream.at_end() && result.molecules < limit) {
    if (stream.run(consume, {}, limit - result.molecules) == 0) break;
  }
  progress.finish();
  result.report = measure_oversmoothing(model, batches);
  result.seconds = progress.elapsed_seconds();
  return result;
}

void write_oversmoothing_csv(const OversmoothingReport& report, const std::string& path) {
  core::write_file_atomically(path, [&](std::ostream& out) {
    out << "layer,mean_cosine,dirichlet_energy,molecules\n";
    char line[128];
    auto write = [&](const std::string& label, const LayerSmoothness& s) {
      std::snprintf(line, sizeof line, ",%.9g,%.9g,%lld\n", s.mean_cosine, s.dirichlet_energy,
                    static_cast<long long>(s.molecules));
      out << label << line;
    };
    for (const auto& s : report.layers) write(std::to_string(s.layer), s);
    write("output", report.output);
  });
}

}  // namespace molprop::inference
