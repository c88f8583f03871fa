#include "pretrain/pretrainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checkpoint/checkpoint.h"
#include "checkpoint/feature_vocabulary.h"
#include "core/check.h"
#include "core/options.h"
#include "core/progress.h"
#include "data/graph_dataset.h"
#include "data/scaler.h"
#include "models/graph_tensors.h"
#include "pretrain/objective.h"
#include "pretrain/resume_file.h"
#include "training/distributed.h"
#include "training/optimizer_step.h"

namespace molprop::pretrain {
namespace fs = std::filesystem;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Per-column standardisation of the descriptor and atom-level targets, fitted on an evenly
// spaced sample of the whole corpus file (at most 50k molecules, every shard alike), so
// fitting never reads the whole corpus into memory and every rank scales the same way. The
// sample is a function of the file alone: a resumed run refits exactly the same scaling.
struct TargetScaling {
  data::ColumnScaling descriptors;   // D columns (names empty when not fitted)
  data::ColumnScaling atom_targets;  // K columns (names empty when not fitted)
};

TargetScaling fit_target_scaling(const std::string& path, bool descriptors, bool atom_targets) {
  TargetScaling s;
  if (!descriptors && !atom_targets) return s;
  data::GraphDatasetOptions whole;
  whole.mode = data::GraphDatasetOptions::Mode::kStreaming;
  data::GraphDataset ds(path, whole);
  const int64_t n = ds.size();
  const int64_t sample = std::min<int64_t>(n, 50000);
  std::vector<float> desc, atoms;
  data::Batch batch;
  std::vector<int64_t> idx;
  for (int64_t k = 0; k < sample; ++k) {
    idx.push_back(k * n / sample);
    if (idx.size() == 4096 || k + 1 == sample) {
      ds.collate(idx, batch);
      if (descriptors) desc.insert(desc.end(), batch.descriptors.begin(), batch.descriptors.end());
      if (atom_targets) atoms.insert(atoms.end(), batch.atom_targets.begin(), batch.atom_targets.end());
      idx.clear();
    }
  }
  if (descriptors) {
    s.descriptors = data::fit_scaling(desc, static_cast<int64_t>(ds.info().descriptor_names.size()));
    s.descriptors.names = ds.info().descriptor_names;
  }
  if (atom_targets) {
    s.atom_targets = data::fit_scaling(atoms, static_cast<int64_t>(ds.info().atom_target_names.size()));
    s.atom_targets.names = ds.info().atom_target_names;
  }
  return s;
}

nlohmann::json scaling_json(const data::ColumnScaling& s) {
  return nlohmann::json{{"names", s.names}, {"mean", s.mean}, {"std", s.std}};
}

// The output folder's files. Checks the options that need no data, creates the folder
// and refuses to overwrite a run (or to resume none).
struct OutputFiles {
  std::string resume, encoder, log;
};

OutputFiles prepare_output(const PretrainOptions& o) {
  o.validate();
  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  if (ec) throw Error(o.output_dir + ": cannot create output folder (" + ec.message() + ")");
  const OutputFiles files{o.output_dir + "/resume.pt", o.output_dir + "/encoder.h5", o.output_dir + "/log.csv"};
  const std::string& resume_path = files.resume;
  if (!o.resume && fs::exists(resume_path)) {
    throw Error(o.output_dir +
                " already holds a pretraining run; set PretrainOptions::resume to continue it, or choose another "
                "PretrainOptions::output_dir");
  }
  if (o.resume && !fs::exists(resume_path)) throw Error(resume_path + ": nothing to resume (no checkpoint yet)");
  return files;
}

std::unique_ptr<training::DataParallel> join_group(const PretrainOptions& o) {
  if (!o.distributed.distributed()) return nullptr;
  return std::make_unique<training::DataParallel>(o.distributed, std::chrono::milliseconds(o.distributed_timeout_ms));
}

data::GraphDatasetOptions shard_options(const PretrainOptions& o) {
  data::GraphDatasetOptions dopts;
  dopts.rank = o.distributed.rank;
  dopts.world_size = o.distributed.world_size;
  return dopts;
}

bool wants(const PretrainOptions& o, const std::string& objective) {
  for (const auto& [name, w] : o.objectives) {
    if (name == objective) return true;
  }
  return false;
}

// Encoder, readout and head as asked; the head predicts the descriptors when that
// objective is on.
models::ModelConfig model_config(const PretrainOptions& o, bool want_descriptors, int64_t d) {
  models::ModelConfig config;
  config.encoder = o.encoder;
  checkpoint::set_feature_vocabulary(config);
  config.readout.name = o.readout;
  config.head.hidden = o.head_hidden;
  config.head.num_tasks = want_descriptors ? d : 1;
  return config;
}

torch::Device checked_device(const PretrainOptions& o, bool parallel) {
  const torch::Device device(o.device);
  if (device.is_cuda() && parallel) {
    throw Error(
        "data-parallel pretraining on GPUs needs the NCCL backend, which this build does not have; use one process per "
        "GPU run or CPU ranks");
  }
  return device;
}

// Weights drawn from the run's seed, on the device.
models::PropertyModel seeded_model(const models::ModelConfig& config, uint64_t seed, const torch::Device& device) {
  torch::manual_seed(seed);
  models::PropertyModel model(config);
  model->to(device);
  return model;
}

// Per-objective losses and throughput since the last log line.
struct LossWindow {
  std::vector<double> losses;  // sum per objective
  double total = 0;            // sum of the weighted totals
  int64_t steps = 0, molecules = 0;
  double start = 0;  // now() when the window opened
};

// One pretraining run: set up in the constructor (output folder, process group, corpus
// shard, model, objectives, optimiser, then resumed state or a fresh log), then run().
class PretrainRun {
 public:
  explicit PretrainRun(const PretrainOptions& o)
      : o_(o), files_(prepare_output(o)), rank_(o.distributed.rank), world_(o.distributed.world_size),
        parallel_(join_group(o)), quiet_(o.quiet || rank_ != 0), ds_(o.data, shard_options(o)),
        n_(molecules_per_rank()), want_descriptors_(wants(o, "descriptors")), d_(descriptor_count()),
        want_atom_targets_(wants(o, "atom_descriptors")), k_(atom_target_count()),
        config_(model_config(o, want_descriptors_, d_)), device_(checked_device(o, parallel_ != nullptr)),
        model_(seeded_model(config_, o.seed, device_)),
        schedule_(o.schedule, o.epochs, (n_ + o.batch_size - 1) / o.batch_size) {
    make_objectives();
    checkpoint_.config = config_;
    scaling_ = fit_target_scaling(o.data, want_descriptors_, want_atom_targets_);
    if (want_descriptors_) checkpoint_.targets = scaling_.descriptors;
    if (o.resume) {
      resume();
    } else if (rank_ == 0) {
      start_files();
    }
    if (parallel_) share_starting_point();
  }

  PretrainSummary run() {
    if (rank_ == 0) log_.open(files_.log, std::ios::app);
    t_start_ = now();
    window_.losses.assign(objectives_.size(), 0.0);
    window_.start = now();
    model_->train();
    for (auto& obj : objectives_) obj->train();
    for (int64_t epoch = pos_.epoch; epoch <= o_.epochs; ++epoch) {
      if (!run_epoch(epoch, epoch == pos_.epoch ? pos_.position : 0)) return finish(false);
    }
    save(RunPosition{o_.epochs + 1, 0, pos_.step});
    return finish(true);
  }

 private:
  // The summary over all ranks. A finished run sums the ranks' molecules (the sum also keeps
  // rank 0, which hosts the rendezvous store, from leaving before everyone is done); a run
  // stopped by stop_after_steps (a test hook that may stop one rank alone) takes no collective
  // and counts this rank's molecules × ranks (every rank takes batch_size a step).
  PretrainSummary finish(bool finished) {
    summary_.seconds = now() - t_start_;
    summary_.ranks = world_;
    if (parallel_ && finished) {
      summary_.molecules = static_cast<int64_t>(parallel_->sum({static_cast<double>(summary_.molecules)})[0]);
    } else {
      summary_.molecules *= world_;
    }
    summary_.molecules_per_second = summary_.seconds > 0 ? summary_.molecules / summary_.seconds : 0;
    summary_.finished = finished;
    return summary_;
  }

  // Every rank takes the same number of steps per epoch: the smallest shard's.
  int64_t molecules_per_rank() {
    const int64_t n = parallel_ ? parallel_->min(ds_.size()) : ds_.size();
    if (n < 2) throw Error(o_.data + ": the corpus (shard) has fewer than 2 molecules");
    return n;
  }

  int64_t descriptor_count() const {
    const auto d = static_cast<int64_t>(ds_.info().descriptor_names.size());
    if (want_descriptors_ && d == 0) {
      throw Error(o_.data + ": the descriptors objective needs a corpus featurized with FeaturizeOptions::descriptors");
    }
    return d;
  }

  int64_t atom_target_count() const {
    const auto k = static_cast<int64_t>(ds_.info().atom_target_names.size());
    if (want_atom_targets_ && k == 0) {
      throw Error(o_.data +
                  ": the atom_descriptors objective needs a corpus featurized with FeaturizeOptions::atom_targets");
    }
    return k;
  }

  // The objectives' layers (drawn after the model's, in option order) and the optimiser
  // over model and objectives together.
  void make_objectives() {
    ObjectiveContext context{config_, model_->encoder().out_dim(), model_->embedding_dim()};
    context.descriptor_target_fraction = o_.descriptor_target_fraction;
    context.num_atom_targets = k_;
    params_ = model_->parameters();
    for (const auto& [name, w] : o_.objectives) {
      objectives_.push_back(make_objective(name, context));
      objectives_.back()->to(device_);
      for (const auto& p : objectives_.back()->parameters()) params_.push_back(p);
    }
    optimizer_ = std::make_unique<torch::optim::Adam>(params_, torch::optim::AdamOptions(o_.schedule.init_lr));
    step_options_.grad_clip = o_.grad_clip;
    step_options_.parallel = parallel_.get();
  }

  // Weights, optimiser, this rank's generator state and the position from resume.pt.
  void resume() {
    pos_ = read_resume_file(files_.resume, resumable(), rank_, world_);
    trim_log();
    if (!quiet_) {
      std::fprintf(stderr, "molprop pretrain: resuming at epoch %lld, molecule %lld, step %lld\n",
                   static_cast<long long>(pos_.epoch), static_cast<long long>(pos_.position),
                   static_cast<long long>(pos_.step));
    }
  }

  ResumableState resumable() { return ResumableState{config_, model_, objectives_, *optimizer_}; }

  // Log lines written after the resumed checkpoint belong to work that is being redone.
  void trim_log() const {
    const std::string& log_path = files_.log;
    std::ifstream in(log_path);
    std::stringstream kept;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("step", 0) == 0 || std::stoll(line.substr(0, line.find(','))) <= pos_.step) kept << line << "\n";
    }
    in.close();
    if (rank_ == 0) std::ofstream(log_path) << kept.str();
  }

  // A fresh run's command.txt and log header.
  void start_files() const {
    std::ofstream(o_.output_dir + "/command.txt") << o_.command_line << "\n";
    std::ofstream log(files_.log);
    log << "step,epoch,loss";
    for (const auto& [name, w] : o_.objectives) log << "," << name;
    log << ",lr,molecules_per_second\n";
  }

  // One starting point for all: rank 0's weights (fresh or resumed) and optimiser state
  // (identical everywhere after a resume, broadcast anyway). Then each rank draws its
  // own masks and views.
  void share_starting_point() {
    std::vector<torch::Tensor> shared = params_;
    for (const auto& b : model_->buffers()) shared.push_back(b);
    parallel_->broadcast(shared);
    if (!o_.resume) torch::manual_seed(o_.seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(rank_));
    if (!quiet_) {
      std::fprintf(stderr,
                   "molprop pretrain: data-parallel over %d processes (c10d/Gloo), %lld molecules per rank per epoch\n",
                   world_, static_cast<long long>(n_));
    }
  }

  // One epoch from molecule `from` of its order; false when stop_after_steps ended the run.
  bool run_epoch(int64_t epoch, int64_t from) {
    const std::vector<int64_t> order = ds_.epoch_order(o_.seed, epoch);
    core::Progress progress("pretrain epoch " + std::to_string(epoch) + "/" + std::to_string(o_.epochs), n_, "mol",
                            quiet_);
    for (int64_t start = from; start < n_; start += o_.batch_size) {
      idx_.assign(order.begin() + start, order.begin() + std::min(n_, start + o_.batch_size));
      if (idx_.size() < 2) continue;  // a lone molecule has no contrastive negatives or batch statistics
      ds_.collate(idx_, batch_);
      const double lr = schedule_.lr(pos_.step);
      train_step(lr);
      summary_.molecules += batch_.num_molecules;
      ++summary_.steps;
      RunPosition next{epoch, start + o_.batch_size, pos_.step};
      if (next.position >= n_) next = {epoch + 1, 0, pos_.step};
      char extra[64];
      std::snprintf(extra, sizeof extra, "loss %.4f", window_.total / static_cast<double>(window_.steps));
      progress.update(std::min(n_, start + o_.batch_size), summary_.molecules, extra);
      if (pos_.step % o_.log_every == 0) write_log_line(epoch, lr);
      if (o_.checkpoint_every > 0 && pos_.step % o_.checkpoint_every == 0) save(next);
      if (o_.stop_after_steps > 0 && pos_.step >= o_.stop_after_steps) return false;
    }
    progress.finish();
    if (!quiet_) {
      // This rank's count × ranks (each takes the same steps of batch_size molecules).
      std::fprintf(stderr, "pretrain epoch %lld/%lld done: %lld steps, %.0f mol/s%s\n", static_cast<long long>(epoch),
                   static_cast<long long>(o_.epochs), static_cast<long long>(pos_.step),
                   static_cast<double>(world_) * summary_.molecules / (now() - t_start_),
                   world_ > 1 ? " (all ranks)" : "");
    }
    return true;
  }

  // The weighted sum of the objectives' losses on batch_, and one optimiser step on it.
  void train_step(double lr) {
    models::GraphTensors g = models::to_tensors(batch_, device_);
    if (want_descriptors_) {
      std::vector<float> y = batch_.descriptors;
      data::apply_scaling(y, scaling_.descriptors, /*nan_to_zero=*/false, o_.target_clip);
      g.targets = torch::from_blob(y.data(), {batch_.num_molecules, d_}, torch::kFloat32).clone().to(device_);
    }
    if (want_atom_targets_) {
      std::vector<float> y = batch_.atom_targets;
      data::apply_scaling(y, scaling_.atom_targets, /*nan_to_zero=*/false, o_.target_clip);
      g.atom_targets = torch::from_blob(y.data(), {batch_.num_atoms, k_}, torch::kFloat32).clone().to(device_);
    }
    optimizer_->zero_grad();
    torch::Tensor total = torch::zeros({});
    pretrain::CleanStates clean(model_, g);
    for (size_t k = 0; k < objectives_.size(); ++k) {
      const torch::Tensor l = objectives_[k]->loss(model_, g, clean);
      window_.losses[k] += l.item<double>();
      total = total + o_.objectives[k].second * l;
    }
    total.backward();
    training::optimizer_step(*optimizer_, params_, lr, step_options_);
    ++pos_.step;
    window_.total += total.item<double>();
    ++window_.steps;
    window_.molecules += batch_.num_molecules;
  }

  // One log.csv line for the window that ends at this step, which then restarts.
  void write_log_line(int64_t epoch, double lr) {
    LossWindow& w = window_;
    if (parallel_) {
      // The log shows the mean over ranks and the throughput of all of them together.
      std::vector<double> v = w.losses;
      v.push_back(w.total);
      v.push_back(static_cast<double>(w.molecules));
      v = parallel_->sum(v);
      for (size_t k = 0; k < w.losses.size(); ++k) w.losses[k] = v[k] / world_;
      w.total = v[w.losses.size()] / world_;
      w.molecules = static_cast<int64_t>(v[w.losses.size() + 1]);
    }
    const double rate = static_cast<double>(w.molecules) / (now() - w.start);
    std::ostringstream line;
    line << pos_.step << "," << epoch << "," << w.total / w.steps;
    summary_.final_losses.clear();
    for (size_t k = 0; k < objectives_.size(); ++k) {
      line << "," << w.losses[k] / w.steps;
      summary_.final_losses.emplace_back(o_.objectives[k].first, w.losses[k] / w.steps);
      w.losses[k] = 0;
    }
    line << "," << lr << "," << rate << "\n";
    if (rank_ == 0) {
      log_ << line.str();
      log_.flush();
    }
    w.total = 0;
    w.steps = 0;
    w.molecules = 0;
    w.start = now();
  }

  // resume.pt (every rank's generator state, written by rank 0) and encoder.h5.
  void save(const RunPosition& at) {
    std::vector<torch::Tensor> rng_states = {generator_state()};
    if (parallel_) rng_states = parallel_->all_gather(rng_states.front());
    if (rank_ != 0) return;  // one writer
    write_resume_file(files_.resume, resumable(), rng_states, world_, at);
    nlohmann::json objectives_json = nlohmann::json::object();
    for (const auto& [name, w] : o_.objectives) objectives_json[name] = w;
    nlohmann::json meta{{"kind", "pretrained"},          {"step", at.step},
                        {"next_epoch", at.epoch},        {"data", o_.data},
                        {"objectives", objectives_json}, {"command", o_.command_line}};
    // What the targets were, so the run can be reproduced and its losses read (the
    // descriptor scaling itself is the checkpoint's target scaling).
    if (want_descriptors_) {
      meta["descriptor_set"] = ds_.info().descriptor_set;
      meta["descriptor_target_fraction"] = o_.descriptor_target_fraction;
    }
    if (want_atom_targets_) meta["atom_target_scaling"] = scaling_json(scaling_.atom_targets);
    if (want_descriptors_ || want_atom_targets_) meta["target_clip"] = o_.target_clip;
    checkpoint_.metadata_json = meta.dump();
    checkpoint::save_checkpoint(files_.encoder, checkpoint_, model_);
  }

  const PretrainOptions& o_;
  const OutputFiles files_;
  const int rank_, world_;
  std::unique_ptr<training::DataParallel> parallel_;
  const bool quiet_;
  data::GraphDataset ds_;
  const int64_t n_;  // molecules per rank per epoch
  const bool want_descriptors_;
  const int64_t d_;  // descriptors per molecule in the corpus
  const bool want_atom_targets_;
  const int64_t k_;  // atom-level targets per atom in the corpus
  TargetScaling scaling_;
  const models::ModelConfig config_;
  const torch::Device device_;
  models::PropertyModel model_;
  std::vector<std::shared_ptr<Objective>> objectives_;
  std::vector<torch::Tensor> params_;  // model's, then each objective's
  std::unique_ptr<torch::optim::Adam> optimizer_;
  training::OptimizerStepOptions step_options_;
  const training::NoamSchedule schedule_;
  checkpoint::Checkpoint checkpoint_;
  RunPosition pos_;
  PretrainSummary summary_;
  std::ofstream log_;
  double t_start_ = 0;
  LossWindow window_;
  data::Batch batch_;
  std::vector<int64_t> idx_;
};

}  // namespace

models::EncoderOptions default_pretraining_encoder() {
  models::EncoderOptions e;
  e.name = "gine";
  e.norm = "batch";
  e.depth = models::default_depth(e.name);
  return e;
}

void PretrainOptions::validate() const {
  check_objectives(objectives);
  encoder.validate();
  models::ReadoutOptions{readout}.validate();
  core::check_range<int64_t>("PretrainOptions::head_hidden", head_hidden, 1, 100000);
  core::check_range<int64_t>("PretrainOptions::epochs", epochs, 1, 100000);
  core::check_range<int64_t>("PretrainOptions::batch_size", batch_size, 2, 1000000);
  schedule.validate();
  core::check_at_least("PretrainOptions::grad_clip", grad_clip, 0);
  if (!(descriptor_target_fraction > 0 && descriptor_target_fraction <= 1)) {
    throw Error("PretrainOptions::descriptor_target_fraction must be in (0, 1]; got " +
                std::to_string(descriptor_target_fraction));
  }
  core::check_at_least("PretrainOptions::target_clip", target_clip, 0);
  core::check_range<int64_t>("PretrainOptions::checkpoint_every", checkpoint_every, 1, 100000000);
  core::check_range<int64_t>("PretrainOptions::log_every", log_every, 1, 100000000);
  core::check_range<int64_t>("PretrainOptions::stop_after_steps", stop_after_steps, 0, INT64_MAX);
  training::check_distributed_timeout(distributed_timeout_ms, "PretrainOptions::distributed_timeout_ms");
}

PretrainSummary pretrain(const PretrainOptions& o) { return PretrainRun(o).run(); }

}  // namespace molprop::pretrain
