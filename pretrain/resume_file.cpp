#include "pretrain/resume_file.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <mutex>

#include "core/atomic_file.h"
#include "core/check.h"

namespace molprop::pretrain {
namespace fs = std::filesystem;

namespace {

torch::Generator& default_generator() {
  static torch::Generator gen = at::detail::getDefaultCPUGenerator();
  return gen;
}

std::string rng_name(int r) { return r == 0 ? std::string("rng") : "rng.rank" + std::to_string(r); }

}  // namespace

torch::Tensor generator_state() {
  std::lock_guard<std::mutex> lock(default_generator().mutex());
  return default_generator().get_state();
}

void write_resume_file(const std::string& path, const ResumableState& state,
                       const std::vector<torch::Tensor>& rng_states, int world, const RunPosition& at) {
  const std::string& resume_path = path;
  torch::serialize::OutputArchive archive;
  archive.write("config", c10::IValue(models::to_json(state.config)));
  for (const auto& p : state.model->named_parameters()) archive.write("model." + p.key(), p.value());
  for (const auto& b : state.model->named_buffers()) archive.write("model." + b.key(), b.value(), true);
  for (size_t k = 0; k < state.objectives.size(); ++k) {
    for (const auto& p : state.objectives[k]->named_parameters()) {
      archive.write("objective" + std::to_string(k) + "." + p.key(), p.value());
    }
  }
  torch::serialize::OutputArchive opt;
  state.optimizer.save(opt);
  archive.write("optimizer", opt);
  for (size_t r = 0; r < rng_states.size(); ++r) archive.write(rng_name(static_cast<int>(r)), rng_states[r]);
  archive.write("world_size", torch::tensor({static_cast<int64_t>(world)}, torch::kLong));
  archive.write("position", torch::tensor({at.epoch, at.position, at.step}, torch::kLong));
  core::AtomicFile resume(resume_path);
  archive.save_to(resume.temp_path());
  resume.commit();
}

RunPosition read_resume_file(const std::string& path, const ResumableState& state, int rank, int world) {
  const std::string& resume_path = path;
  torch::serialize::InputArchive archive;
  archive.load_from(resume_path);
  c10::IValue config_json;
  archive.read("config", config_json);
  if (config_json.toStringRef() != models::to_json(state.config)) {
    throw Error(resume_path + ": the checkpoint was made with other model options; resume with the original command");
  }
  torch::NoGradGuard no_grad;
  for (auto& p : state.model->named_parameters()) {
    torch::Tensor t;
    archive.read("model." + p.key(), t);
    p.value().copy_(t);
  }
  for (auto& b : state.model->named_buffers()) {
    torch::Tensor t;
    archive.read("model." + b.key(), t, true);
    b.value().copy_(t);
  }
  for (size_t k = 0; k < state.objectives.size(); ++k) {
    for (auto& p : state.objectives[k]->named_parameters()) {
      torch::Tensor t;
      archive.read("objective" + std::to_string(k) + "." + p.key(), t);
      p.value().copy_(t);
    }
  }
  torch::serialize::InputArchive opt;
  archive.read("optimizer", opt);
  state.optimizer.load(opt);
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
  RunPosition pos;
  pos.epoch = counters[0].item<int64_t>();
  pos.position = counters[1].item<int64_t>();
  pos.step = counters[2].item<int64_t>();
  return pos;
}

}  // namespace molprop::pretrain
