#include "regression/gp.h"

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/check.h"
#include "core/rng.h"
#include "regression/gp_kernel.h"

namespace molprop::regression {
namespace {

using gp::Index;
using gp::Kernel;
using gp::RowMajorDouble;
using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kMinStd = 1e-12;
constexpr int kFormatVersion = 1;
// Test rows per block in predict: k* for a block is m × kPredictBlock doubles.
constexpr int64_t kPredictBlock = 256;

Eigen::Map<const RowMajorDouble> map_x_train(const GaussianProcessRegressor::Task& task, int64_t d) {
  return Eigen::Map<const RowMajorDouble>(task.x_train.data(), task.rows, d);
}

const NamedArray& find_array(const std::vector<NamedArray>& arrays, const std::string& name,
                             const std::vector<int64_t>& shape) {
  const auto it = std::find_if(arrays.begin(), arrays.end(), [&](const NamedArray& a) { return a.name == name; });
  MOLPROP_CHECK(it != arrays.end(), "gp checkpoint: array '" << name << "' is missing");
  MOLPROP_CHECK(it->shape == shape, "gp checkpoint: array '" << name << "' has the wrong shape");
  int64_t count = 1;
  for (int64_t s : shape) count *= s;
  MOLPROP_CHECK(static_cast<int64_t>(it->values.size()) == count,
                "gp checkpoint: array '" << name << "' has " << it->values.size() << " values, expected " << count);
  return *it;
}

}  // namespace

GaussianProcessRegressor::GaussianProcessRegressor(const RegressorOptions& options) : options_(options) {
  gp::parse_kernel(options_.gp_kernel);
  MOLPROP_CHECK(options_.gp_max_train >= 2, "gp: gp_max_train must be >= 2, got " << options_.gp_max_train);
}

void GaussianProcessRegressor::fit(const std::vector<float>& x, int64_t n, int64_t d, const std::vector<float>& y,
                                   int64_t t, uint64_t seed) {
  MOLPROP_CHECK(n > 0 && d > 0 && t > 0, "gp fit: n, d and t must be positive, got " << n << ", " << d << ", " << t);
  MOLPROP_CHECK(static_cast<int64_t>(x.size()) == n * d,
                "gp fit: x has " << x.size() << " values, expected n × d = " << n * d);
  MOLPROP_CHECK(static_cast<int64_t>(y.size()) == n * t,
                "gp fit: y has " << y.size() << " values, expected n × t = " << n * t);
  const Kernel kernel = gp::parse_kernel(options_.gp_kernel);

  std::vector<Task> tasks(static_cast<size_t>(t));
  for (int64_t j = 0; j < t; ++j) {
    Task& task = tasks[static_cast<size_t>(j)];
    std::vector<int64_t> rows;
    for (int64_t i = 0; i < n; ++i) {
      const float v = y[static_cast<size_t>(i * t + j)];
      if (std::isnan(v)) continue;
      MOLPROP_CHECK(std::isfinite(v), "gp: target of row " << i << ", task " << j << " is infinite");
      rows.push_back(i);
    }
    const int64_t present = static_cast<int64_t>(rows.size());
    MOLPROP_CHECK(present >= 2, "gp: task " << j << " has " << present << " rows with a target; at least 2 are needed");

    // Target scaling over all present rows, before subsampling.
    double y_sum = 0;
    for (int64_t i : rows) y_sum += y[static_cast<size_t>(i * t + j)];
    task.y_mean = y_sum / static_cast<double>(present);
    double y_ss = 0;
    for (int64_t i : rows) {
      const double r = y[static_cast<size_t>(i * t + j)] - task.y_mean;
      y_ss += r * r;
    }
    task.y_std = std::sqrt(y_ss / static_cast<double>(present));
    if (!(task.y_std >= kMinStd)) task.y_std = 1.0;

    if (present > options_.gp_max_train) {
      std::vector<int64_t> positions(static_cast<size_t>(present));
      std::iota(positions.begin(), positions.end(), int64_t{0});
      core::Rng rng(seed);
      core::shuffle(positions, rng);
      positions.resize(static_cast<size_t>(options_.gp_max_train));
      std::sort(positions.begin(), positions.end());
      std::vector<int64_t> kept;
      kept.reserve(positions.size());
      for (int64_t p : positions) kept.push_back(rows[static_cast<size_t>(p)]);
      rows = std::move(kept);
    }
    const Index m = static_cast<Index>(rows.size());
    task.rows = m;

    // Training inputs, scaled (rbf) or checked non-negative (tanimoto).
    Eigen::MatrixXd xt(m, d);
    for (Index r = 0; r < m; ++r) {
      const float* row = x.data() + static_cast<size_t>(rows[static_cast<size_t>(r)] * d);
      for (int64_t c = 0; c < d; ++c) {
        MOLPROP_CHECK(std::isfinite(row[c]), "gp: feature " << c << " of row " << rows[static_cast<size_t>(r)]
                                                            << " is not finite (" << row[c] << ")");
        MOLPROP_CHECK(kernel == Kernel::kRbf || row[c] >= 0,
                      "gp: the tanimoto kernel needs non-negative features; feature "
                          << c << " of row " << rows[static_cast<size_t>(r)] << " is " << row[c]);
        xt(r, c) = row[c];
      }
    }
    task.feature_mean.assign(static_cast<size_t>(d), 0.0);
    task.feature_std.assign(static_cast<size_t>(d), 1.0);
    if (kernel == Kernel::kRbf) {
      const Eigen::RowVectorXd mean = xt.colwise().mean();
      xt.rowwise() -= mean;
      Eigen::RowVectorXd sd = (xt.colwise().squaredNorm() / static_cast<double>(m)).cwiseSqrt();
      for (Index c = 0; c < d; ++c) {
        if (!(sd(c) >= kMinStd)) sd(c) = 1.0;
        task.feature_mean[static_cast<size_t>(c)] = mean(c);
        task.feature_std[static_cast<size_t>(c)] = sd(c);
      }
      xt.array().rowwise() /= sd.array();
    }
    Eigen::VectorXd yt(m);
    for (Index r = 0; r < m; ++r) {
      yt(r) = (y[static_cast<size_t>(rows[static_cast<size_t>(r)] * t + j)] - task.y_mean) / task.y_std;
    }

    // (ℓ, σ²) by grid search on the kernel matrix of the scaled training inputs.
    const Eigen::MatrixXd base = gp::training_base(kernel, xt);
    const gp::Hyperparameters best = gp::select_hyperparameters(kernel, base, yt, d);
    MOLPROP_CHECK(best.found, "gp: task " << j << ": K + σ²I is not positive definite for any grid point");
    task.length_scale = best.length_scale;
    task.noise = best.noise;
    task.log_marginal_likelihood = best.log_marginal_likelihood;

    const Eigen::MatrixXd l = gp::cholesky_factor(kernel, base, task.length_scale, task.noise);
    const Eigen::VectorXd alpha =
        l.triangularView<Eigen::Lower>().transpose().solve(l.triangularView<Eigen::Lower>().solve(yt));
    task.alpha.assign(alpha.data(), alpha.data() + m);
    task.chol.assign(l.data(), l.data() + m * m);
    task.x_train.resize(static_cast<size_t>(m * d));
    Eigen::Map<RowMajorDouble>(task.x_train.data(), m, d) = xt;
  }
  d_ = d;
  tasks_ = std::move(tasks);
}

void GaussianProcessRegressor::predict(const std::vector<float>& x, int64_t n, std::vector<float>& mean,
                                       std::vector<float>& std) const {
  MOLPROP_CHECK(!tasks_.empty(), "gp predict: the model is not fitted");
  MOLPROP_CHECK(n >= 0 && static_cast<int64_t>(x.size()) == n * d_,
                "gp predict: x has " << x.size() << " values, expected n × d = " << n << " × " << d_);
  const Kernel kernel = gp::parse_kernel(options_.gp_kernel);
  const int64_t t = num_tasks();
  mean.assign(static_cast<size_t>(n * t), 0.0f);
  std.assign(static_cast<size_t>(n * t), 0.0f);
  const Eigen::Map<const RowMajorFloat> xs(x.data(), n, d_);
  const size_t blocks = static_cast<size_t>((n + kPredictBlock - 1) / kPredictBlock);

  for (int64_t j = 0; j < t; ++j) {
    const Task& task = tasks_[static_cast<size_t>(j)];
    const Index m = task.rows;
    const auto x_train = map_x_train(task, d_);
    const Eigen::Map<const Eigen::MatrixXd> l(task.chol.data(), m, m);
    const Eigen::Map<const Eigen::VectorXd> alpha(task.alpha.data(), m);
    const Eigen::Map<const Eigen::RowVectorXd> mu(task.feature_mean.data(), d_);
    const Eigen::Map<const Eigen::RowVectorXd> sd(task.feature_std.data(), d_);
    // Blocks write disjoint rows of mean/std, so they can run in parallel.
    gp::parallel_for(blocks, [&](size_t b) {
      const int64_t start = static_cast<int64_t>(b) * kPredictBlock;
      const int64_t rows = std::min(kPredictBlock, n - start);
      Eigen::MatrixXd xb = xs.middleRows(start, rows).cast<double>();
      xb.rowwise() -= mu;
      xb.array().rowwise() /= sd.array();
      Eigen::MatrixXd ks = gp::kernel_base(kernel, x_train, xb);  // m × rows
      gp::apply_length_scale(kernel, ks, task.length_scale);
      const Eigen::VectorXd mu_star = ks.transpose() * alpha;
      l.triangularView<Eigen::Lower>().solveInPlace(ks);  // v = L⁻¹k*
      const Eigen::RowVectorXd vtv = ks.colwise().squaredNorm();
      for (int64_t i = 0; i < rows; ++i) {
        const size_t k = static_cast<size_t>((start + i) * t + j);
        const double var = std::max(0.0, 1.0 - vtv(i) + task.noise);
        mean[k] = static_cast<float>(mu_star(i) * task.y_std + task.y_mean);
        std[k] = static_cast<float>(std::sqrt(var) * task.y_std);
      }
    });
  }
}

double GaussianProcessRegressor::length_scale(int64_t task) const {
  MOLPROP_CHECK(task >= 0 && task < num_tasks(), "gp: task " << task << " out of range [0, " << num_tasks() << ")");
  return tasks_[static_cast<size_t>(task)].length_scale;
}

double GaussianProcessRegressor::noise(int64_t task) const {
  MOLPROP_CHECK(task >= 0 && task < num_tasks(), "gp: task " << task << " out of range [0, " << num_tasks() << ")");
  return tasks_[static_cast<size_t>(task)].noise;
}

int64_t GaussianProcessRegressor::train_rows(int64_t task) const {
  MOLPROP_CHECK(task >= 0 && task < num_tasks(), "gp: task " << task << " out of range [0, " << num_tasks() << ")");
  return tasks_[static_cast<size_t>(task)].rows;
}

std::string GaussianProcessRegressor::params_json() const {
  nlohmann::json p;
  p["kind"] = "gp";
  p["format"] = kFormatVersion;
  p["kernel"] = options_.gp_kernel;
  p["max_train"] = options_.gp_max_train;
  p["num_features"] = d_;
  p["num_tasks"] = num_tasks();
  nlohmann::json tasks = nlohmann::json::array();
  for (const Task& task : tasks_) {
    tasks.push_back({{"length_scale", task.length_scale},
                     {"noise", task.noise},
                     {"y_mean", task.y_mean},
                     {"y_std", task.y_std},
                     {"log_marginal_likelihood", task.log_marginal_likelihood},
                     {"train_rows", task.rows}});
  }
  p["tasks"] = tasks;
  return p.dump();
}

// Per-task arrays are concatenated over tasks; task j's training rows start at the sum
// of the earlier tasks' train_rows (in params_json).
std::vector<NamedArray> GaussianProcessRegressor::arrays() const {
  const int64_t t = num_tasks();
  int64_t total = 0;
  for (const Task& task : tasks_) total += task.rows;
  NamedArray feature_mean{"feature_mean", {t, d_}, {}};
  NamedArray feature_std{"feature_std", {t, d_}, {}};
  NamedArray x_train{"x_train", {total, d_}, {}};
  NamedArray alpha{"alpha", {total}, {}};
  x_train.values.reserve(static_cast<size_t>(total * d_));
  alpha.values.reserve(static_cast<size_t>(total));
  for (const Task& task : tasks_) {
    feature_mean.values.insert(feature_mean.values.end(), task.feature_mean.begin(), task.feature_mean.end());
    feature_std.values.insert(feature_std.values.end(), task.feature_std.begin(), task.feature_std.end());
    x_train.values.insert(x_train.values.end(), task.x_train.begin(), task.x_train.end());
    alpha.values.insert(alpha.values.end(), task.alpha.begin(), task.alpha.end());
  }
  return {std::move(feature_mean), std::move(feature_std), std::move(x_train), std::move(alpha)};
}

std::unique_ptr<GaussianProcessRegressor> GaussianProcessRegressor::load(const std::string& params_json,
                                                                         const std::vector<NamedArray>& arrays) {
  std::unique_ptr<GaussianProcessRegressor> g;
  try {
    const nlohmann::json p = nlohmann::json::parse(params_json);
    MOLPROP_CHECK(p.at("kind").get<std::string>() == "gp",
                  "gp checkpoint: parameters are for kind '" << p.at("kind").get<std::string>() << "'");
    const int format = p.at("format").get<int>();
    MOLPROP_CHECK(format == kFormatVersion,
                  "gp checkpoint: format " << format << " is not supported (expected " << kFormatVersion << ")");
    RegressorOptions options;
    options.gp_kernel = p.at("kernel").get<std::string>();
    options.gp_max_train = p.at("max_train").get<int64_t>();
    g = std::make_unique<GaussianProcessRegressor>(options);
    g->d_ = p.at("num_features").get<int64_t>();
    const int64_t t = p.at("num_tasks").get<int64_t>();
    const nlohmann::json& tasks = p.at("tasks");
    MOLPROP_CHECK(g->d_ > 0 && t > 0 && tasks.is_array() && static_cast<int64_t>(tasks.size()) == t,
                  "gp checkpoint: num_features, num_tasks and the task list disagree");
    for (const nlohmann::json& tp : tasks) {
      Task task;
      task.length_scale = tp.at("length_scale").get<double>();
      task.noise = tp.at("noise").get<double>();
      task.y_mean = tp.at("y_mean").get<double>();
      task.y_std = tp.at("y_std").get<double>();
      task.log_marginal_likelihood = tp.at("log_marginal_likelihood").get<double>();
      task.rows = tp.at("train_rows").get<int64_t>();
      g->tasks_.push_back(std::move(task));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("gp checkpoint: bad parameters: ") + e.what());
  }
  const Kernel kernel = gp::parse_kernel(g->options_.gp_kernel);
  const int64_t d = g->d_;
  const int64_t t = g->num_tasks();
  int64_t total = 0;
  for (size_t j = 0; j < g->tasks_.size(); ++j) {
    const Task& task = g->tasks_[j];
    MOLPROP_CHECK(task.rows >= 1, "gp checkpoint: task " << j << " has " << task.rows << " training rows");
    MOLPROP_CHECK(std::isfinite(task.noise) && task.noise > 0,
                  "gp checkpoint: task " << j << " noise " << task.noise << " is not positive");
    MOLPROP_CHECK(kernel != Kernel::kRbf || (std::isfinite(task.length_scale) && task.length_scale > 0),
                  "gp checkpoint: task " << j << " length scale " << task.length_scale << " is not positive");
    MOLPROP_CHECK(std::isfinite(task.y_mean) && std::isfinite(task.y_std) && task.y_std > 0,
                  "gp checkpoint: task " << j << " target scaling is invalid");
    total += task.rows;
  }
  const std::vector<double>& feature_mean = find_array(arrays, "feature_mean", {t, d}).values;
  const std::vector<double>& feature_std = find_array(arrays, "feature_std", {t, d}).values;
  const std::vector<double>& x_train = find_array(arrays, "x_train", {total, d}).values;
  const std::vector<double>& alpha = find_array(arrays, "alpha", {total}).values;
  for (size_t k = 0; k < feature_std.size(); ++k) {
    MOLPROP_CHECK(std::isfinite(feature_std[k]) && feature_std[k] >= kMinStd && std::isfinite(feature_mean[k]),
                  "gp checkpoint: feature scaling entry " << k << " is invalid");
  }
  for (double v : x_train) MOLPROP_CHECK(std::isfinite(v), "gp checkpoint: x_train has a non-finite value");
  for (double v : alpha) MOLPROP_CHECK(std::isfinite(v), "gp checkpoint: alpha has a non-finite value");

  size_t row = 0;
  for (int64_t j = 0; j < t; ++j) {
    Task& task = g->tasks_[static_cast<size_t>(j)];
    const size_t off = static_cast<size_t>(j * d);
    task.feature_mean.assign(feature_mean.begin() + off, feature_mean.begin() + off + static_cast<size_t>(d));
    task.feature_std.assign(feature_std.begin() + off, feature_std.begin() + off + static_cast<size_t>(d));
    const size_t m = static_cast<size_t>(task.rows);
    const size_t width = static_cast<size_t>(d);
    task.x_train.assign(x_train.begin() + row * width, x_train.begin() + (row + m) * width);
    task.alpha.assign(alpha.begin() + row, alpha.begin() + row + m);
    row += m;
    const Eigen::MatrixXd base = gp::training_base(kernel, Eigen::MatrixXd(map_x_train(task, d)));
    const Eigen::MatrixXd l = gp::cholesky_factor(kernel, base, task.length_scale, task.noise);
    task.chol.assign(l.data(), l.data() + l.size());
  }
  return g;
}

}  // namespace molprop::regression
