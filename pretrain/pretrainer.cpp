#include "pretrain/pretrainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "checkpoint/checkpoint.h"
#include "chem/features.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "core/progress.h"
#include "data/graph_dataset.h"
#include "data/scaler.h"
#include "models/graph_tensors.h"
#include "pretrain/objective.h"

namespace molprop::pretrain {
namespace fs = std::filesystem;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Position {
  int64_t epoch = 1;     // next epoch to run (1-based)
  int64_t position = 0;  // next molecule of that epoch's order
  int64_t step = 0;      // optimiser steps taken so far
};

// Descriptor scaling from an evenly spaced sample of the corpus (at most 50k molecules),
// so fitting it never reads the whole corpus into memory.
data::ColumnScaling descriptor_scaling(data::GraphDataset& ds) {
  const int64_t n = ds.size();
  const int64_t sample = std::min<int64_t>(n, 50000);
  std::vector<float> values;
  data::Batch batch;
  std::vector<int64_t> idx;
  for (int64_t k = 0; k < sample; ++k) {
    idx.push_back(k * n / sample);
    if (idx.size() == 4096 || k + 1 == sample) {
      ds.collate(idx, batch);
      values.insert(values.end(), batch.descriptors.begin(), batch.descriptors.end());
      idx.clear();
    }
  }
  data::ColumnScaling s = data::fit_scaling(values, static_cast<int64_t>(ds.info().descriptor_names.size()));
  s.names = ds.info().descriptor_names;
  return s;
}

torch::Generator& default_generator() {
  static torch::Generator gen = at::detail::getDefaultCPUGenerator();
  return gen;
}

}  // namespace

PretrainSummary pretrain(const PretrainOptions& o) {
  if (o.epochs < 1) throw Error("--epochs must be ≥ 1");
  if (o.batch_size < 2) throw Error("--batch-size must be ≥ 2");
  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  if (ec) throw Error(o.output_dir + ": cannot create output folder (" + ec.message() + ")");
  const std::string resume_path = o.output_dir + "/resume.pt";
  const std::string encoder_path = o.output_dir + "/encoder.h5";
  const std::string log_path = o.output_dir + "/log.csv";
  if (!o.resume && fs::exists(resume_path)) {
    throw Error(o.output_dir +
                " already holds a pretraining run; add --resume to continue it, or choose another --output-dir");
  }
  if (o.resume && !fs::exists(resume_path)) throw Error(resume_path + ": nothing to resume (no checkpoint yet)");

  const int rank = o.distributed.rank;
  const int world = o.distributed.world_size;
  std::unique_ptr<training::DataParallel> parallel;
  if (o.distributed.distributed()) {
    parallel =
        std::make_unique<training::DataParallel>(o.distributed, std::chrono::milliseconds(o.distributed_timeout_ms));
  }
  const bool quiet = o.quiet || rank != 0;
  data::GraphDatasetOptions dopts;
  dopts.rank = rank;
  dopts.world_size = world;
  data::GraphDataset ds(o.data, dopts);
  // Every rank takes the same number of steps per epoch: the smallest shard's.
  const int64_t n = parallel ? parallel->min(ds.size()) : ds.size();
  if (n < 2) throw Error(o.data + ": the corpus (shard) has fewer than 2 molecules");

  bool want_descriptors = false;
  for (const auto& [name, w] : o.objectives) want_descriptors = want_descriptors || name == "descriptors";
  const auto d = static_cast<int64_t>(ds.info().descriptor_names.size());
  if (want_descriptors && d == 0) {
    throw Error(o.data + ": the descriptors objective needs a corpus featurized with --descriptors");
  }

  models::ModelConfig config;
  config.encoder = o.encoder;
  config.encoder.atom_cardinalities.clear();
  config.encoder.bond_cardinalities.clear();
  for (const auto& s : chem::atom_feature_specs()) config.encoder.atom_cardinalities.push_back(s.cardinality);
  for (const auto& s : chem::bond_feature_specs()) config.encoder.bond_cardinalities.push_back(s.cardinality);
  config.readout.name = o.readout;
  config.head.hidden = o.head_hidden;
  config.head.num_tasks = want_descriptors ? d : 1;
  config.featurizer_version = chem::kFeaturizerVersion;

  const torch::Device device(o.device);
  if (device.is_cuda() && parallel) {
    throw Error(
        "data-parallel pretraining on GPUs needs the NCCL backend, which this build does not have; use one process per "
        "GPU run or CPU ranks");
  }
  torch::manual_seed(o.seed);
  models::PropertyModel model(config);
  model->to(device);
  const ObjectiveContext context{config, model->encoder().out_dim(), model->embedding_dim()};
  std::vector<std::shared_ptr<Objective>> objectives;
  std::vector<torch::Tensor> params = model->parameters();
  for (const auto& [name, w] : o.objectives) {
    objectives.push_back(make_objective(name, context));
    objectives.back()->to(device);
    for (const auto& p : objectives.back()->parameters()) params.push_back(p);
  }
  torch::optim::Adam optimizer(params, torch::optim::AdamOptions(o.schedule.init_lr));

  checkpoint::Checkpoint checkpoint;
  checkpoint.config = config;
  if (want_descriptors) checkpoint.targets = descriptor_scaling(ds);

  Position pos;
  auto rng_name = [&](int r) { return r == 0 ? std::string("rng") : "rng.rank" + std::to_string(r); };
  if (o.resume) {
    torch::serialize::InputArchive archive;
    archive.load_from(resume_path);
    c10::IValue config_json;
    archive.read("config", config_json);
    if (config_json.toStringRef() != models::to_json(config)) {
      throw Error(resume_path + ": the checkpoint was made with other model options; resume with the original command");
    }
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) {
      torch::Tensor t;
      archive.read("model." + p.key(), t);
      p.value().copy_(t);
    }
    for (auto& b : model->named_buffers()) {
      torch::Tensor t;
      archive.read("model." + b.key(), t, true);
      b.value().copy_(t);
    }
    for (size_t k = 0; k < objectives.size(); ++k) {
      for (auto& p : objectives[k]->named_parameters()) {
        torch::Tensor t;
        archive.read("objective" + std::to_string(k) + "." + p.key(), t);
        p.value().copy_(t);
      }
    }
    torch::serialize::InputArchive opt;
    archive.read("optimizer", opt);
    optimizer.load(opt);
    torch::Tensor saved_world;
    if (!archive.try_read("world_size", saved_world) && world != 1) {
      throw Error(resume_path + ": was written by a single-process run; resume it with one process");
    }
    if (saved_world.defined() && saved_world.item<int64_t>() != world) {
      throw Error(resume_path + ": was written by " + std::to_string(saved_world.item<int64_t>()) +
                  " processes; resume with the same world size (now " + std::to_string(world) + ")");
    }
    torch::Tensor rng;
    archive.read(rng_name(rank), rng);
    {
      std::lock_guard<std::mutex> lock(default_generator().mutex());
      default_generator().set_state(rng);
    }
    torch::Tensor counters;
    archive.read("position", counters);
    pos.epoch = counters[0].item<int64_t>();
    pos.position = counters[1].item<int64_t>();
    pos.step = counters[2].item<int64_t>();
    // Log lines written after this checkpoint belong to work that is being redone.
    std::ifstream in(log_path);
    std::stringstream kept;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("step", 0) == 0 || std::stoll(line.substr(0, line.find(','))) <= pos.step) kept << line << "\n";
    }
    in.close();
    if (rank == 0) std::ofstream(log_path) << kept.str();
    if (!quiet) {
      std::fprintf(stderr, "molprop pretrain: resuming at epoch %lld, molecule %lld, step %lld\n",
                   static_cast<long long>(pos.epoch), static_cast<long long>(pos.position),
                   static_cast<long long>(pos.step));
    }
  } else if (rank == 0) {
    std::ofstream(o.output_dir + "/command.txt") << o.command_line << "\n";
    std::ofstream log(log_path);
    log << "step,epoch,loss";
    for (const auto& [name, w] : o.objectives) log << "," << name;
    log << ",lr,molecules_per_second\n";
  }

  if (parallel) {
    // One starting point for all: rank 0's weights (fresh or resumed) and optimiser state
    // (identical everywhere after a resume, broadcast anyway). Then each rank draws its
    // own masks and views.
    std::vector<torch::Tensor> shared = params;
    for (const auto& b : model->buffers()) shared.push_back(b);
    parallel->broadcast(shared);
    if (!o.resume) torch::manual_seed(o.seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(rank));
    if (!quiet) {
      std::fprintf(stderr,
                   "molprop pretrain: data-parallel over %d processes (c10d/Gloo), %lld molecules per rank per epoch\n",
                   world, static_cast<long long>(n));
    }
  }

  auto save = [&](const Position& at) {
    std::vector<torch::Tensor> rng_states;
    {
      std::lock_guard<std::mutex> lock(default_generator().mutex());
      rng_states = {default_generator().get_state()};
    }
    if (parallel) rng_states = parallel->all_gather(rng_states.front());
    if (rank != 0) return;  // one writer
    torch::serialize::OutputArchive archive;
    archive.write("config", c10::IValue(models::to_json(config)));
    for (const auto& p : model->named_parameters()) archive.write("model." + p.key(), p.value());
    for (const auto& b : model->named_buffers()) archive.write("model." + b.key(), b.value(), true);
    for (size_t k = 0; k < objectives.size(); ++k) {
      for (const auto& p : objectives[k]->named_parameters()) {
        archive.write("objective" + std::to_string(k) + "." + p.key(), p.value());
      }
    }
    torch::serialize::OutputArchive opt;
    optimizer.save(opt);
    archive.write("optimizer", opt);
    for (size_t r = 0; r < rng_states.size(); ++r) archive.write(rng_name(static_cast<int>(r)), rng_states[r]);
    archive.write("world_size", torch::tensor({static_cast<int64_t>(world)}, torch::kLong));
    archive.write("position", torch::tensor({at.epoch, at.position, at.step}, torch::kLong));
    core::AtomicFile resume(resume_path);
    archive.save_to(resume.temp_path());
    resume.commit();
    nlohmann::json objectives_json = nlohmann::json::object();
    for (const auto& [name, w] : o.objectives) objectives_json[name] = w;
    checkpoint.metadata_json = nlohmann::json{{"kind", "pretrained"},          {"step", at.step},
                                              {"next_epoch", at.epoch},        {"data", o.data},
                                              {"objectives", objectives_json}, {"command", o.command_line}}
                                   .dump();
    checkpoint::save_checkpoint(encoder_path, checkpoint, model);
  };

  const int64_t steps_per_epoch = (n + o.batch_size - 1) / o.batch_size;
  const training::NoamSchedule schedule(o.schedule, o.epochs, steps_per_epoch);
  std::ofstream log;
  if (rank == 0) log.open(log_path, std::ios::app);
  PretrainSummary summary;
  const double t_start = now();
  std::vector<double> window(objectives.size(), 0.0);
  double window_total = 0, window_start = now();
  int64_t window_steps = 0, window_molecules = 0;
  data::Batch batch;
  std::vector<int64_t> idx;
  model->train();
  for (auto& obj : objectives) obj->train();

  for (int64_t epoch = pos.epoch; epoch <= o.epochs; ++epoch) {
    const std::vector<int64_t> order = ds.epoch_order(o.seed, epoch);
    core::Progress progress("pretrain epoch " + std::to_string(epoch) + "/" + std::to_string(o.epochs), n, "mol",
                            quiet);
    int64_t start = epoch == pos.epoch ? pos.position : 0;
    for (; start < n; start += o.batch_size) {
      idx.assign(order.begin() + start, order.begin() + std::min(n, start + o.batch_size));
      if (idx.size() < 2) continue;  // a lone molecule has no contrastive negatives or batch statistics
      ds.collate(idx, batch);
      models::GraphTensors g = models::to_tensors(batch, device);
      if (want_descriptors) {
        std::vector<float> y = batch.descriptors;
        data::apply_scaling(y, checkpoint.targets);
        g.targets = torch::from_blob(y.data(), {batch.num_molecules, d}, torch::kFloat32).clone().to(device);
      }
      const double lr = schedule.lr(pos.step);
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
      optimizer.zero_grad();
      torch::Tensor total = torch::zeros({});
      for (size_t k = 0; k < objectives.size(); ++k) {
        const torch::Tensor l = objectives[k]->loss(model, g);
        window[k] += l.item<double>();
        total = total + o.objectives[k].second * l;
      }
      total.backward();
      if (parallel) parallel->average_gradients(params);
      if (o.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, o.grad_clip);
      optimizer.step();
      ++pos.step;
      window_total += total.item<double>();
      ++window_steps;
      window_molecules += batch.num_molecules;
      summary.molecules += batch.num_molecules;
      ++summary.steps;
      Position next{epoch, start + o.batch_size, pos.step};
      if (next.position >= n) next = {epoch + 1, 0, pos.step};
      char extra[64];
      std::snprintf(extra, sizeof extra, "loss %.4f", window_total / static_cast<double>(window_steps));
      progress.update(std::min(n, start + o.batch_size), summary.molecules, extra);
      if (pos.step % o.log_every == 0) {
        if (parallel) {
          // The log shows the mean over ranks and the throughput of all of them together.
          std::vector<double> v = window;
          v.push_back(window_total);
          v.push_back(static_cast<double>(window_molecules));
          v = parallel->sum(v);
          for (size_t k = 0; k < window.size(); ++k) window[k] = v[k] / world;
          window_total = v[window.size()] / world;
          window_molecules = static_cast<int64_t>(v[window.size() + 1]);
        }
        const double rate = static_cast<double>(window_molecules) / (now() - window_start);
        std::ostringstream line;
        line << pos.step << "," << epoch << "," << window_total / window_steps;
        summary.final_losses.clear();
        for (size_t k = 0; k < objectives.size(); ++k) {
          line << "," << window[k] / window_steps;
          summary.final_losses.emplace_back(o.objectives[k].first, window[k] / window_steps);
          window[k] = 0;
        }
        line << "," << lr << "," << rate << "\n";
        if (rank == 0) {
          log << line.str();
          log.flush();
        }
        window_total = 0;
        window_steps = 0;
        window_molecules = 0;
        window_start = now();
      }
      if (o.checkpoint_every > 0 && pos.step % o.checkpoint_every == 0) save(next);
      if (o.stop_after_steps > 0 && pos.step >= o.stop_after_steps) {
        summary.seconds = now() - t_start;
        summary.molecules_per_second = summary.molecules / summary.seconds;
        return summary;
      }
    }
    progress.finish();
    if (!quiet) {
      std::fprintf(stderr, "pretrain epoch %lld/%lld done: %lld steps, %.0f mol/s\n", static_cast<long long>(epoch),
                   static_cast<long long>(o.epochs), static_cast<long long>(pos.step),
                   summary.molecules / (now() - t_start));
    }
  }
  save(Position{o.epochs + 1, 0, pos.step});
  // Rank 0 hosts the rendezvous store: nobody leaves before everyone is done.
  if (parallel) parallel->barrier();
  summary.seconds = now() - t_start;
  summary.molecules_per_second = summary.seconds > 0 ? summary.molecules / summary.seconds : 0;
  summary.finished = true;
  return summary;
}

}  // namespace molprop::pretrain
