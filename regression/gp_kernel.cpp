#include "regression/gp_kernel.h"

#include <atomic>
#include <cmath>
#include <exception>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "core/check.h"

namespace molprop::regression::gp {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Length scales, as multiples of √d (for standardised features E‖a − b‖² ≈ 2d).
constexpr double kLengthScaleFactors[] = {0.5, 1, 2, 4, 8};
constexpr double kNoiseGrid[] = {1e-3, 1e-2, 0.05, 0.1, 0.3, 1};

}  // namespace

Kernel parse_kernel(const std::string& name) {
  if (name == "rbf") return Kernel::kRbf;
  if (name == "tanimoto") return Kernel::kTanimoto;
  throw Error("gp: unknown kernel '" + name + "'; known: rbf, tanimoto");
}

void parallel_for(size_t count, const std::function<void(size_t)>& body) {
  const size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::min(count, hw);
  if (threads <= 1) {
    for (size_t i = 0; i < count; ++i) body(i);
    return;
  }
  Eigen::initParallel();  // Eigen's cache-size statics, before threads race to set them
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (size_t i = next++; i < count; i = next++) {
      try {
        body(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = count;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (size_t k = 1; k < threads; ++k) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

void apply_length_scale(Kernel kernel, Eigen::MatrixXd& base, double length_scale) {
  if (kernel == Kernel::kRbf) base = (base * (-0.5 / (length_scale * length_scale))).array().exp().matrix();
}

bool factorise(Eigen::MatrixXd& a, double noise) {
  a.diagonal().array() += noise;
  Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> llt(a);
  return llt.info() == Eigen::Success;
}

Eigen::MatrixXd cholesky_factor(Kernel kernel, const Eigen::MatrixXd& base, double length_scale, double noise) {
  Eigen::MatrixXd a = base;
  apply_length_scale(kernel, a, length_scale);
  MOLPROP_CHECK(factorise(a, noise),
                "gp: K + σ²I is not positive definite (length scale " << length_scale << ", noise " << noise << ")");
  a.triangularView<Eigen::StrictlyUpper>().setZero();
  return a;
}

Hyperparameters select_hyperparameters(Kernel kernel, const Eigen::MatrixXd& base, const Eigen::VectorXd& y,
                                       int64_t d) {
  std::vector<double> length_scales;
  if (kernel == Kernel::kRbf) {
    for (double f : kLengthScaleFactors) length_scales.push_back(f * std::sqrt(static_cast<double>(d)));
  } else {
    length_scales.push_back(0.0);
  }
  const std::vector<double> noises(std::begin(kNoiseGrid), std::end(kNoiseGrid));
  const Index m = base.rows();
  const double log_2pi = std::log(2.0 * kPi);
  double best_lml = -std::numeric_limits<double>::infinity();
  size_t best_ls = 0, best_noise = 0;
  bool found = false;
  for (size_t li = 0; li < length_scales.size(); ++li) {
    Eigen::MatrixXd k = base;
    apply_length_scale(kernel, k, length_scales[li]);
    std::vector<double> lml(noises.size(), -std::numeric_limits<double>::infinity());
    parallel_for(noises.size(), [&](size_t ni) {
      Eigen::MatrixXd a = k;
      if (!factorise(a, noises[ni])) return;
      const auto l = a.triangularView<Eigen::Lower>();
      const Eigen::VectorXd z = l.solve(y);  // L⁻¹y, so yᵀ(K + σ²I)⁻¹y = ‖z‖²
      const double value =
          -0.5 * z.squaredNorm() - a.diagonal().array().log().sum() - 0.5 * static_cast<double>(m) * log_2pi;
      if (std::isfinite(value)) lml[ni] = value;
    });
    for (size_t ni = 0; ni < noises.size(); ++ni) {
      if (lml[ni] > best_lml) {
        best_lml = lml[ni];
        best_ls = li;
        best_noise = ni;
        found = true;
      }
    }
  }
  if (!found) return Hyperparameters{};
  return Hyperparameters{true, length_scales[best_ls], noises[best_noise], best_lml};
}

}  // namespace molprop::regression::gp
