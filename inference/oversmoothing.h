#pragma once
// Oversmoothing diagnostic: how alike the atom states of a molecule become, layer by
// layer (the measurement behind `molprop analyze`).
//
// For each message-passing layer l, take the atom states H^l (A × width) that
// Encoder::layer_states returns and centre them: x_i = h_i − μ^l, where μ^l is the mean
// state over every atom of the measured molecules (those with n_m ≥ 2 atoms). Then, per
// molecule m,
//
//   cosine_m = 1/(n_m(n_m − 1)) Σ_{i≠j} cos(x_i, x_j)        (self-pairs excluded)
//   energy_m = 1/n_m Σ_{directed edges u→v} ‖x_u − x_v‖² / 2 / s_m²,
//              s_m = (1/n_m) Σ_i ‖x_i‖                        (the molecule's mean state norm)
//
// and report the mean of each over molecules. Cosine → 1 and energy → 0 as a molecule's
// atom states collapse onto one vector.
//
// Why centre: an offset shared by every atom of every molecule (bias terms, and the
// positive mean of ReLU outputs, which residual connections and jumping-knowledge sums
// accumulate layer after layer) carries no information — the next linear layer absorbs
// it — yet it dominates the raw cosine: on untrained GINE stacks the raw value sits at
// 0.85–0.97 on every layer and grows with the offset rather than with smoothing over
// bonds. Centring on the analysed set removes it, so the cosine measures how alike atoms
// of one molecule are compared with atoms in general. Why divide by s_m²: the energy is
// then scale-free like the cosine, so layers (and models) of different scale compare; a
// rescaling or a common shift of a layer's states leaves both numbers unchanged.
//
// The same is measured on the encoder's output, i.e. what the readout sees: the
// jumping-knowledge combination of the layers (GINE with jk sum/concat; equal to the last
// layer with jk last), or D-MPNN's atom output. The centre needs every measured atom, so
// the encoder runs twice over the batches (once for μ, once to measure); the model runs
// in eval mode under torch::NoGradGuard. Molecules with one atom (no pairs) are skipped.
#include <cstdint>
#include <string>
#include <vector>

#include "data/batch.h"
#include "models/property_model.h"

namespace molprop::inference {

struct LayerSmoothness {
  int layer = 0;                // 1-based message-passing layer (0 for the encoder output)
  double mean_cosine = 0;       // mean over molecules of the mean pairwise cosine, in [−1, 1]
  double dirichlet_energy = 0;  // mean over molecules of the normalised Dirichlet energy, ≥ 0
  int64_t molecules = 0;        // molecules measured (those with ≥ 2 atoms)
};

struct OversmoothingReport {
  std::vector<LayerSmoothness> layers;  // one per Encoder::layer_states entry, in order
  LayerSmoothness output;               // the encoder's output (layer = 0)
};

// Measures the molecules of `batches` (collated; descriptors are not needed). Puts
// `model` in eval mode. With no molecule of ≥ 2 atoms, every value is NaN and
// molecules is 0. The result does not depend on how molecules are split into batches.
OversmoothingReport measure_oversmoothing(models::PropertyModel& model, const std::vector<data::Batch>& batches);

// The pipeline behind `molprop analyze`: streams a SMILES file, featurises on worker
// threads, and keeps the first max_molecules molecules that parse (their graphs stay in
// memory for the two passes: roughly 1 KB per molecule), then measures them.
struct OversmoothingCsvOptions {
  std::string input;                     // .csv, .csv.gz, .smi, .smi.gz
  std::string smiles_column = "smiles";  // ignored for .smi (first field)
  int64_t max_molecules = 2000;          // parsed molecules to analyse, 1..1e7
  int threads = 1;                       // featurisation workers
  int64_t batch_size = 256;              // molecules per encoder batch, 1..2^20
  bool quiet = false;

  // Range-checks every setting; throws molprop::Error naming the field
  // (OversmoothingCsvOptions::max_molecules, ...).
  void validate() const;
};

struct OversmoothingCsvResult {
  OversmoothingReport report;
  int64_t rows = 0;       // input rows read
  int64_t molecules = 0;  // rows that parsed (single atoms included; the report counts ≥ 2 atoms)
  int64_t failed = 0;     // rows whose SMILES could not be used
  double seconds = 0;
};

OversmoothingCsvResult measure_oversmoothing_csv(models::PropertyModel& model, const OversmoothingCsvOptions& options);

// Writes layer,mean_cosine,dirichlet_energy,molecules (one row per layer, then the row
// "output" for the encoder output) atomically. Throws molprop::Error naming the path.
void write_oversmoothing_csv(const OversmoothingReport& report, const std::string& path);

}  // namespace molprop::inference
