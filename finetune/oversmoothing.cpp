#include "finetune/oversmoothing.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>

#include "chem/check.h"
#include "chem/featurizer.h"
#include "data/collate.h"
#include "data/csv_reader.h"
#include "data/ordered_pipeline.h"
#include "data/progress.h"
#include "models/graph_tensors.h"

namespace molprop::finetune {
namespace {

// Per-molecule sums of the two measures (see the header) over molecules with ≥ 2 atoms.
// states: A × width, any dtype and device; atom_to_mol: A int64 on the CPU; atoms: M
// float64 atom counts; multi: M bool, atoms ≥ 2.
struct MoleculeSums {
  double cosine = 0, energy = 0;
};

MoleculeSums measure(const torch::Tensor& states, const models::GraphTensors& g, const torch::Tensor& atom_to_mol,
                     const torch::Tensor& edge_src, const torch::Tensor& edge_dst, const torch::Tensor& atoms,
                     const torch::Tensor& multi) {
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const int64_t m = g.num_molecules;
  const torch::Tensor h = states.to(torch::kCPU, torch::kFloat64);
  MOLPROP_CHECK(h.dim() == 2 && h.size(0) == g.num_atoms,
                "layer states have shape " << h.sizes() << ", expected " << g.num_atoms << " atoms × width");
  const torch::Tensor norms = h.norm(2, {1});  // A
  // Unit rows; an all-zero row stays zero (cosine 0 with every other row).
  const torch::Tensor unit = h / norms.clamp_min(1e-300).unsqueeze(1);
  const torch::Tensor unit_sum = torch::zeros({m, h.size(1)}, f64).index_add_(0, atom_to_mol, unit);
  const torch::Tensor unit_sq = torch::zeros({m}, f64).index_add_(0, atom_to_mol, unit.pow(2).sum(1));
  // Σ_{i≠j} ĥ_i·ĥ_j = ‖Σ_i ĥ_i‖² − Σ_i ‖ĥ_i‖²
  const torch::Tensor cosine = (unit_sum.pow(2).sum(1) - unit_sq) / (atoms * (atoms - 1)).clamp_min(1);

  const torch::Tensor mean_norm = torch::zeros({m}, f64).index_add_(0, atom_to_mol, norms) / atoms.clamp_min(1);
  torch::Tensor edge_sum = torch::zeros({m}, f64);
  if (g.num_edges > 0) {
    const torch::Tensor diff = h.index_select(0, edge_src) - h.index_select(0, edge_dst);
    edge_sum.index_add_(0, atom_to_mol.index_select(0, edge_src), diff.pow(2).sum(1));
  }
  // All-zero states have no differences either: 0 / tiny = 0.
  const torch::Tensor energy = edge_sum / 2 / atoms.clamp_min(1) /
                               mean_norm.pow(2).clamp_min(std::numeric_limits<double>::min());
  return {cosine.masked_select(multi).sum().item<double>(), energy.masked_select(multi).sum().item<double>()};
}

}  // namespace

OversmoothingMeter::OversmoothingMeter(models::PropertyModel& model)
    : model_(model), device_(model->parameters().front().device()) {
  model_->eval();
  layers_.resize(static_cast<size_t>(model_->config().encoder.depth));
}

void OversmoothingMeter::add(const data::Batch& batch) {
  if (batch.num_molecules == 0) return;
  torch::NoGradGuard no_grad;
  const models::GraphTensors g = models::to_tensors(batch, device_);
  std::vector<torch::Tensor> states = model_->encoder().layer_states(g);
  const torch::Tensor output = model_->encoder().forward(g);
  MOLPROP_CHECK(!states.empty() && states.size() <= layers_.size(),
                "the encoder returned " << states.size() << " layer states, its depth is " << layers_.size());
  // D-MPNN returns only its input layer for a batch without any bond: no messages are
  // sent, so every later layer's atom states are zero as well.
  while (states.size() < layers_.size()) states.push_back(torch::zeros_like(states.front()));

  const torch::Tensor atom_to_mol = g.atom_to_mol.to(torch::kCPU);
  const torch::Tensor edge_src = g.edge_src.to(torch::kCPU), edge_dst = g.edge_dst.to(torch::kCPU);
  const torch::Tensor atoms = torch::bincount(atom_to_mol, {}, g.num_molecules).to(torch::kFloat64);
  const torch::Tensor multi = atoms >= 2;
  const int64_t measured = multi.sum().item<int64_t>();
  if (measured == 0) return;
  for (size_t l = 0; l < states.size(); ++l) {
    const MoleculeSums s = measure(states[l], g, atom_to_mol, edge_src, edge_dst, atoms, multi);
    layers_[l].cosine += s.cosine;
    layers_[l].energy += s.energy;
  }
  const MoleculeSums s = measure(output, g, atom_to_mol, edge_src, edge_dst, atoms, multi);
  output_.cosine += s.cosine;
  output_.energy += s.energy;
  molecules_ += measured;
}

OversmoothingReport OversmoothingMeter::report() const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto mean = [&](const Sums& s, int layer) {
    LayerSmoothness r;
    r.layer = layer;
    r.molecules = molecules_;
    r.mean_cosine = molecules_ > 0 ? s.cosine / static_cast<double>(molecules_) : nan;
    r.dirichlet_energy = molecules_ > 0 ? s.energy / static_cast<double>(molecules_) : nan;
    return r;
  };
  OversmoothingReport report;
  for (size_t l = 0; l < layers_.size(); ++l) report.layers.push_back(mean(layers_[l], static_cast<int>(l) + 1));
  report.output = mean(output_, 0);
  return report;
}

OversmoothingReport measure_oversmoothing(models::PropertyModel& model, const std::vector<data::Batch>& batches) {
  OversmoothingMeter meter(model);
  for (const auto& b : batches) meter.add(b);
  return meter.report();
}

namespace {

struct Row {
  std::string smiles;
  chem::FeaturizedMol mol;
};

}  // namespace

OversmoothingCsvResult measure_oversmoothing_csv(models::PropertyModel& model, const OversmoothingCsvOptions& options) {
  MOLPROP_CHECK(options.batch_size >= 1, "batch size must be ≥ 1, got " << options.batch_size);
  MOLPROP_CHECK(options.max_molecules >= 0, "max molecules must be ≥ 0, got " << options.max_molecules);
  const bool smi = data::is_smiles_file(options.input);
  data::CsvOptions csv_options;
  if (smi) {
    csv_options.whitespace_delimited = true;
    csv_options.has_header = false;
  }
  data::CsvReader reader(options.input, csv_options);
  const int smiles_col = smi ? 0 : reader.column_index(options.smiles_column);
  const int64_t limit = options.max_molecules > 0 ? options.max_molecules : std::numeric_limits<int64_t>::max();

  OversmoothingMeter meter(model);
  OversmoothingCsvResult result;
  data::Progress progress("analyze", options.max_molecules > 0 ? limit : 0, "mol", options.quiet);
  data::CsvRecord record;
  data::Batch batch;
  bool end_of_input = false;
  // Which rows parse is known only once they are featurised, so read in rounds: each
  // round reads at most as many rows as molecules are still wanted, and a round that
  // meets failures is followed by another. Never reads more than `limit` rows ahead.
  while (!end_of_input && result.molecules < limit) {
    const int64_t wanted = limit - result.molecules;
    int64_t read = 0;
    std::function<bool(std::vector<Row>&)> produce = [&](std::vector<Row>& chunk) {
      chunk.clear();
      while (static_cast<int64_t>(chunk.size()) < options.batch_size && read < wanted) {
        if (!reader.next(record)) {
          end_of_input = true;
          break;
        }
        chunk.push_back(Row{static_cast<int>(record.fields.size()) > smiles_col ? record.fields[smiles_col] : "", {}});
        ++read;
      }
      return !chunk.empty();
    };
    std::function<std::vector<Row>(std::vector<Row>&)> work = [](std::vector<Row>& chunk) {
      for (Row& r : chunk) r.mol = chem::featurize_smiles(r.smiles);
      return std::move(chunk);
    };
    std::function<void(std::vector<Row>&)> consume = [&](std::vector<Row>& chunk) {
      batch.clear();
      for (const Row& r : chunk) {
        ++result.rows;
        if (!r.mol.ok()) {
          ++result.failed;
          continue;
        }
        append_graph(r.mol.graph, nullptr, batch);
        ++result.molecules;
      }
      meter.add(batch);
      progress.update(result.molecules, result.molecules);
    };
    data::ordered_map<std::vector<Row>, std::vector<Row>>(options.threads, static_cast<size_t>(2 * options.threads + 2),
                                                          produce, work, consume);
    if (read == 0) break;
  }
  progress.finish();
  result.report = meter.report();
  result.seconds = progress.elapsed_seconds();
  return result;
}

void write_oversmoothing_csv(const OversmoothingReport& report, const std::string& path) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw Error(path + ": cannot create output file (" + std::strerror(errno) + ")");
    out << "layer,mean_cosine,dirichlet_energy,molecules\n";
    char line[128];
    auto write = [&](const std::string& label, const LayerSmoothness& s) {
      std::snprintf(line, sizeof line, ",%.9g,%.9g,%lld\n", s.mean_cosine, s.dirichlet_energy,
                    static_cast<long long>(s.molecules));
      out << label << line;
    };
    for (const auto& s : report.layers) write(std::to_string(s.layer), s);
    write("output", report.output);
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      throw Error(path + ": write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    throw Error(path + ": cannot move the finished file into place (" + reason + ")");
  }
}

}  // namespace molprop::finetune
