#pragma once
// Oversmoothing diagnostic: how alike the atom states of a molecule become, layer by
// layer (the measurement behind `molprop analyze`).
//
// For each message-passing layer l, on the atom states H^l (A × width) that
// Encoder::layer_states returns, and for each molecule m with n_m ≥ 2 atoms:
//
//   cosine_m = 1/(n_m(n_m − 1)) Σ_{i≠j} cos(h_i, h_j)        (self-pairs excluded)
//   energy_m = 1/n_m Σ_{directed edges u→v} ‖h_u − h_v‖² / 2 / s_m²,
//              s_m = (1/n_m) Σ_i ‖h_i‖                        (the molecule's mean state norm)
//
// and reports the mean of each over molecules. Cosine is scale-free by construction; the
// energy is made scale-free by dividing the states by their molecule's mean norm, so
// layers (and models) of different scale compare: a constant rescaling of a layer leaves
// both numbers unchanged. Cosine → 1 and energy → 0 as atom states collapse onto one
// vector. The pairwise cosine sum is computed as ‖Σ_i ĥ_i‖² − Σ_i ‖ĥ_i‖² over unit rows
// ĥ (a zero row counts as cosine 0 with everything), so cost is linear in atoms.
//
// The same is measured on the encoder's output, i.e. what the readout sees: the
// jumping-knowledge combination of the layers (GINE with jk sum/concat; equal to the last
// layer with jk last), or D-MPNN's atom output. Molecules with one atom (no pairs) are
// skipped. The model runs in eval mode under torch::NoGradGuard.
#include <cstdint>
#include <string>
#include <vector>

#include "data/batch.h"
#include "models/property_model.h"

namespace molprop::finetune {

struct LayerSmoothness {
  int layer = 0;                 // 1-based message-passing layer (0 for the encoder output)
  double mean_cosine = 0;        // mean over molecules of the mean pairwise cosine, in [−1, 1]
  double dirichlet_energy = 0;   // mean over molecules of the normalised Dirichlet energy, ≥ 0
  int64_t molecules = 0;         // molecules measured (those with ≥ 2 atoms)
};

struct OversmoothingReport {
  std::vector<LayerSmoothness> layers;  // one per Encoder::layer_states entry, in order
  LayerSmoothness output;               // the encoder's output (layer = 0)
};

// Streaming: add batches one at a time (memory stays one batch), then read the report.
class OversmoothingMeter {
 public:
  // Puts `model` in eval mode. The model must outlive the meter.
  explicit OversmoothingMeter(models::PropertyModel& model);
  // Molecules of a collated batch (descriptors are not needed and are ignored).
  void add(const data::Batch& batch);
  OversmoothingReport report() const;
  int64_t molecules() const { return molecules_; }

 private:
  struct Sums {
    double cosine = 0, energy = 0;
  };
  models::PropertyModel model_;
  torch::Device device_;
  std::vector<Sums> layers_;  // grows to the number of layers on the first batch
  Sums output_;
  int64_t molecules_ = 0;
};

// Convenience over OversmoothingMeter for batches already in memory.
OversmoothingReport measure_oversmoothing(models::PropertyModel& model, const std::vector<data::Batch>& batches);

// The pipeline behind `molprop analyze`: streams a SMILES file, featurises on worker
// threads while the calling thread runs the encoder, and stops after the first
// max_molecules molecules that parse.
struct OversmoothingCsvOptions {
  std::string input;                     // .csv, .csv.gz, .smi, .smi.gz
  std::string smiles_column = "smiles";  // ignored for .smi (first field)
  int64_t max_molecules = 2000;          // parsed molecules to analyse; 0 = all
  int threads = 1;                       // featurisation workers
  int64_t batch_size = 256;              // molecules per encoder batch
  bool quiet = false;
};

struct OversmoothingCsvResult {
  OversmoothingReport report;
  int64_t rows = 0;       // input rows read
  int64_t molecules = 0;  // rows that parsed and were run (single atoms included; report counts ≥ 2 atoms)
  int64_t failed = 0;     // rows whose SMILES could not be used
  double seconds = 0;
};

OversmoothingCsvResult measure_oversmoothing_csv(models::PropertyModel& model, const OversmoothingCsvOptions& options);

// Writes layer,mean_cosine,dirichlet_energy,molecules (one row per layer, then the row
// "output" for the encoder output) atomically. Throws molprop::Error naming the path.
void write_oversmoothing_csv(const OversmoothingReport& report, const std::string& path);

}  // namespace molprop::finetune
