#include "regression/ridge.h"

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/check.h"
#include "core/rng.h"

namespace molprop::regression {
namespace {

using Eigen::Index;
using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Below this a feature column is treated as constant (std → 1, so it maps to 0).
constexpr double kMinStd = 1e-12;
// Rows per block in predict, so that the double copy of x stays small for any n.
constexpr int64_t kPredictBlock = 4096;
constexpr int kFormatVersion = 1;

// Rows of task j whose target is present (not NaN), in table order. ±inf is an error.
std::vector<Index> present_rows(const std::vector<float>& y, int64_t n, int64_t t, int64_t j) {
  std::vector<Index> rows;
  for (int64_t i = 0; i < n; ++i) {
    const float v = y[static_cast<size_t>(i * t + j)];
    if (std::isnan(v)) continue;
    MOLPROP_CHECK(std::isfinite(v), "ridge: target of row " << i << ", task " << j << " is infinite");
    rows.push_back(static_cast<Index>(i));
  }
  return rows;
}

// The given rows of x (row-major n × d floats) as a double matrix; non-finite → Error.
Eigen::MatrixXd gather_rows(const std::vector<float>& x, int64_t d, const std::vector<Index>& rows) {
  Eigen::MatrixXd out(static_cast<Index>(rows.size()), d);
  for (size_t r = 0; r < rows.size(); ++r) {
    const float* row = x.data() + static_cast<size_t>(rows[r]) * static_cast<size_t>(d);
    for (int64_t c = 0; c < d; ++c) {
      MOLPROP_CHECK(std::isfinite(row[c]),
                    "ridge: feature " << c << " of row " << rows[r] << " is not finite (" << row[c] << ")");
      out(static_cast<Index>(r), c) = row[c];
    }
  }
  return out;
}

// Solves A x = rhs for symmetric positive definite A (lower triangle used; A is
// overwritten). A = XᵀX + αI with α > 0 is SPD, so blocked LLT is exact and about twice as
// fast as Eigen's unblocked LDLT at fingerprint widths (d ≈ 2048); LDLT is the fallback
// should round-off ever make LLT fail.
Eigen::VectorXd solve_spd(Eigen::MatrixXd& a, const Eigen::VectorXd& rhs, double alpha) {
  Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> llt(a);
  if (llt.info() == Eigen::Success) return llt.solve(rhs);
  Eigen::LDLT<Eigen::MatrixXd, Eigen::Lower> ldlt(a);
  MOLPROP_CHECK(ldlt.info() == Eigen::Success, "ridge: factorisation failed for alpha " << alpha);
  return ldlt.solve(rhs);
}

// A centred linear fit: ŷ = (z − mu) · w + ybar, one column of w per alpha.
struct CentredFit {
  Eigen::RowVectorXd mu;  // 1 × d
  double ybar = 0;
  Eigen::MatrixXd w;  // d × |alphas|
};

// Sums over a set of rows (z, y) from which the centred primal system follows; the sums of
// a training fold are those of all rows minus those of the validation rows, so the d × d
// Gram matrix is accumulated once per task rather than once per fold.
struct Moments {
  double count = 0;
  Eigen::RowVectorXd sum_z;  // 1 × d: Σ z
  double sum_y = 0;
  Eigen::MatrixXd zz;  // d × d, lower triangle: Σ z zᵀ
  Eigen::VectorXd zy;  // d: Σ z y
};

template <typename Z, typename Y>
Moments moments_of(const Z& z, const Y& y) {
  Moments s;
  s.count = static_cast<double>(z.rows());
  s.sum_z = z.colwise().sum();
  s.sum_y = y.sum();
  s.zz = Eigen::MatrixXd::Zero(z.cols(), z.cols());
  s.zz.selfadjointView<Eigen::Lower>().rankUpdate(z.transpose());
  s.zy = z.transpose() * y;
  return s;
}

Moments minus(const Moments& a, const Moments& b) {
  Moments s;
  s.count = a.count - b.count;
  s.sum_z = a.sum_z - b.sum_z;
  s.sum_y = a.sum_y - b.sum_y;
  s.zz = a.zz - b.zz;
  s.zy = a.zy - b.zy;
  return s;
}

// Primal form, d × d: (Σ(z − μ)(z − μ)ᵀ + αI) w = Σ(z − μ)(y − ȳ), where
// Σ(z − μ)(z − μ)ᵀ = Σzzᵀ − m μμᵀ and Σ(z − μ)(y − ȳ) = Σzy − m μ ȳ.
// Cost m·d² for the sums plus d³/3 per α.
CentredFit solve_primal(const Moments& s, const std::vector<double>& alphas) {
  CentredFit f;
  f.mu = s.sum_z / s.count;
  f.ybar = s.sum_y / s.count;
  Eigen::MatrixXd gram = s.zz;
  gram.selfadjointView<Eigen::Lower>().rankUpdate(f.mu.transpose(), -s.count);
  const Eigen::VectorXd rhs = s.zy - s.count * f.ybar * f.mu.transpose();
  f.w.resize(f.mu.size(), static_cast<Index>(alphas.size()));
  for (size_t a = 0; a < alphas.size(); ++a) {
    Eigen::MatrixXd regularised = gram;
    regularised.diagonal().array() += alphas[a];
    f.w.col(static_cast<Index>(a)) = solve_spd(regularised, rhs, alphas[a]);
  }
  return f;
}

// Dual form, m × m, for d > m: w = Zcᵀ (Zc Zcᵀ + αI)⁻¹ yc with Zc, yc centred (the same
// w as the primal form). Cost m²·d plus m³/3 per α.
CentredFit solve_dual(Eigen::MatrixXd z, const Eigen::VectorXd& y, const std::vector<double>& alphas) {
  CentredFit f;
  f.mu = z.colwise().mean();
  z.rowwise() -= f.mu;
  f.ybar = y.mean();
  const Eigen::VectorXd yc = y.array() - f.ybar;
  Eigen::MatrixXd kernel = Eigen::MatrixXd::Zero(z.rows(), z.rows());
  kernel.selfadjointView<Eigen::Lower>().rankUpdate(z);
  f.w.resize(z.cols(), static_cast<Index>(alphas.size()));
  for (size_t a = 0; a < alphas.size(); ++a) {
    Eigen::MatrixXd regularised = kernel;
    regularised.diagonal().array() += alphas[a];
    f.w.col(static_cast<Index>(a)) = z.transpose() * solve_spd(regularised, yc, alphas[a]);
  }
  return f;
}

const NamedArray& find_array(const std::vector<NamedArray>& arrays, const std::string& name,
                             const std::vector<int64_t>& shape) {
  const auto it = std::find_if(arrays.begin(), arrays.end(), [&](const NamedArray& a) { return a.name == name; });
  MOLPROP_CHECK(it != arrays.end(), "ridge checkpoint: array '" << name << "' is missing");
  MOLPROP_CHECK(it->shape == shape, "ridge checkpoint: array '" << name << "' has the wrong shape");
  int64_t count = 1;
  for (int64_t s : shape) count *= s;
  MOLPROP_CHECK(static_cast<int64_t>(it->values.size()) == count,
                "ridge checkpoint: array '" << name << "' has " << it->values.size() << " values, expected " << count);
  return *it;
}

}  // namespace

RidgeRegressor::RidgeRegressor(const RegressorOptions& options) : options_(options) {
  MOLPROP_CHECK(!options_.ridge_alphas.empty(), "ridge: the list of alphas is empty");
  for (double a : options_.ridge_alphas) {
    MOLPROP_CHECK(std::isfinite(a) && a > 0, "ridge: every alpha must be finite and > 0, got " << a);
  }
  MOLPROP_CHECK(options_.cv_folds >= 2, "ridge: cv_folds must be >= 2, got " << options_.cv_folds);
}

void RidgeRegressor::fit(const std::vector<float>& x, int64_t n, int64_t d, const std::vector<float>& y, int64_t t,
                         uint64_t seed) {
  MOLPROP_CHECK(n > 0 && d > 0 && t > 0, "ridge fit: n, d and t must be positive, got " << n << ", " << d << ", " << t);
  MOLPROP_CHECK(static_cast<int64_t>(x.size()) == n * d,
                "ridge fit: x has " << x.size() << " values, expected n × d = " << n * d);
  MOLPROP_CHECK(static_cast<int64_t>(y.size()) == n * t,
                "ridge fit: y has " << y.size() << " values, expected n × t = " << n * t);
  const std::vector<double>& alphas = options_.ridge_alphas;
  const size_t num_alphas = alphas.size();

  std::vector<double> feature_mean(static_cast<size_t>(t * d)), feature_std(static_cast<size_t>(t * d));
  std::vector<double> weights(static_cast<size_t>(t * d));
  std::vector<double> bias(static_cast<size_t>(t)), alpha(static_cast<size_t>(t));
  std::vector<double> residual_std(static_cast<size_t>(t)), cv_rmse(static_cast<size_t>(t));
  std::vector<int64_t> train_rows(static_cast<size_t>(t));

  for (int64_t j = 0; j < t; ++j) {
    const std::vector<Index> rows = present_rows(y, n, t, j);
    const Index m = static_cast<Index>(rows.size());
    MOLPROP_CHECK(m >= 2, "ridge: task " << j << " has " << m << " rows with a target; at least 2 are needed");

    // Standardise on this task's rows.
    Eigen::MatrixXd z = gather_rows(x, d, rows);
    const Eigen::RowVectorXd mean = z.colwise().mean();
    z.rowwise() -= mean;
    Eigen::RowVectorXd sd = (z.colwise().squaredNorm() / static_cast<double>(m)).cwiseSqrt();
    for (Index c = 0; c < d; ++c) {
      if (!(sd(c) >= kMinStd) || !options_.standardize_features) sd(c) = 1.0;
    }
    z.array().rowwise() /= sd.array();
    Eigen::VectorXd yv(m);
    for (Index r = 0; r < m; ++r) yv(r) = y[static_cast<size_t>(rows[static_cast<size_t>(r)] * t + j)];

    // Folds: fold of position p in a seeded shuffle is p mod k.
    const Index k = std::min<Index>(options_.cv_folds, m);
    std::vector<Index> order(static_cast<size_t>(m));
    std::iota(order.begin(), order.end(), Index{0});
    core::Rng rng(seed);
    core::shuffle(order, rng);
    std::vector<Index> fold_of(static_cast<size_t>(m));
    for (Index p = 0; p < m; ++p) fold_of[static_cast<size_t>(order[static_cast<size_t>(p)])] = p % k;

    // Primal when d is at most the smallest training fold, else dual; both are exact.
    const Index min_train = m - (m + k - 1) / k;
    const bool primal = d <= min_train;
    Moments all;
    if (primal) all = moments_of(z, yv);

    Eigen::VectorXd rmse_sum = Eigen::VectorXd::Zero(static_cast<Index>(num_alphas));
    Eigen::VectorXd sse_total = Eigen::VectorXd::Zero(static_cast<Index>(num_alphas));
    for (Index f = 0; f < k; ++f) {
      std::vector<Index> train, val;
      for (Index r = 0; r < m; ++r) (fold_of[static_cast<size_t>(r)] == f ? val : train).push_back(r);
      const Eigen::MatrixXd z_val = z(val, Eigen::all);
      const Eigen::VectorXd y_val = yv(val);
      const CentredFit cf = primal ? solve_primal(minus(all, moments_of(z_val, y_val)), alphas)
                                   : solve_dual(z(train, Eigen::all), yv(train), alphas);
      Eigen::MatrixXd residual = (z_val.rowwise() - cf.mu) * cf.w;  // |val| × A
      residual.array() += cf.ybar;
      residual.colwise() -= y_val;
      const Eigen::VectorXd sse = residual.colwise().squaredNorm().transpose();
      sse_total += sse;
      rmse_sum += (sse / static_cast<double>(val.size())).cwiseSqrt();
    }
    Index best = 0;
    for (Index a = 1; a < static_cast<Index>(num_alphas); ++a) {
      if (rmse_sum(a) < rmse_sum(best)) best = a;
    }

    const std::vector<double> chosen{alphas[static_cast<size_t>(best)]};
    const CentredFit full = primal ? solve_primal(all, chosen) : solve_dual(z, yv, chosen);
    const size_t off = static_cast<size_t>(j * d);
    for (Index c = 0; c < d; ++c) {
      feature_mean[off + static_cast<size_t>(c)] = mean(c);
      feature_std[off + static_cast<size_t>(c)] = sd(c);
      weights[off + static_cast<size_t>(c)] = full.w(c, 0);
    }
    bias[static_cast<size_t>(j)] = full.ybar - full.mu.dot(full.w.col(0));
    alpha[static_cast<size_t>(j)] = alphas[static_cast<size_t>(best)];
    residual_std[static_cast<size_t>(j)] = std::sqrt(sse_total(best) / static_cast<double>(m));
    cv_rmse[static_cast<size_t>(j)] = rmse_sum(best) / static_cast<double>(k);
    train_rows[static_cast<size_t>(j)] = m;
  }

  d_ = d;
  t_ = t;
  feature_mean_ = std::move(feature_mean);
  feature_std_ = std::move(feature_std);
  weights_ = std::move(weights);
  bias_ = std::move(bias);
  alpha_ = std::move(alpha);
  residual_std_ = std::move(residual_std);
  cv_rmse_ = std::move(cv_rmse);
  train_rows_ = std::move(train_rows);
}

// ŷ_j = ((x − μ_j) / s_j) · w_j + b_j, evaluated as x · (w_j / s_j) + (b_j − μ_j · w_j / s_j)
// so that all tasks share one matrix product.
void RidgeRegressor::predict(const std::vector<float>& x, int64_t n, std::vector<float>& mean,
                             std::vector<float>& std) const {
  MOLPROP_CHECK(t_ > 0, "ridge predict: the model is not fitted");
  MOLPROP_CHECK(n >= 0 && static_cast<int64_t>(x.size()) == n * d_,
                "ridge predict: x has " << x.size() << " values, expected n × d = " << n << " × " << d_);
  Eigen::MatrixXd w_raw(d_, t_);
  Eigen::RowVectorXd b_raw(t_);
  for (int64_t j = 0; j < t_; ++j) {
    double b = bias_[static_cast<size_t>(j)];
    for (int64_t c = 0; c < d_; ++c) {
      const size_t k = static_cast<size_t>(j * d_ + c);
      const double w = weights_[k] / feature_std_[k];
      w_raw(c, j) = w;
      b -= feature_mean_[k] * w;
    }
    b_raw(j) = b;
  }
  mean.assign(static_cast<size_t>(n * t_), 0.0f);
  std.assign(static_cast<size_t>(n * t_), 0.0f);
  for (int64_t start = 0; start < n; start += kPredictBlock) {
    const int64_t rows = std::min(kPredictBlock, n - start);
    const Eigen::Map<const RowMajorFloat> block(x.data() + start * d_, rows, d_);
    Eigen::MatrixXd out = block.cast<double>() * w_raw;
    out.rowwise() += b_raw;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < t_; ++j) {
        const size_t k = static_cast<size_t>((start + i) * t_ + j);
        mean[k] = static_cast<float>(out(i, j));
        std[k] = static_cast<float>(residual_std_[static_cast<size_t>(j)]);
      }
    }
  }
}

std::string RidgeRegressor::params_json() const {
  nlohmann::json p;
  p["kind"] = "ridge";
  p["format"] = kFormatVersion;
  p["num_features"] = d_;
  p["num_tasks"] = t_;
  p["alpha_grid"] = options_.ridge_alphas;
  p["cv_folds"] = options_.cv_folds;
  p["alpha"] = alpha_;
  p["bias"] = bias_;
  p["residual_std"] = residual_std_;
  p["cv_rmse"] = cv_rmse_;
  p["train_rows"] = train_rows_;
  return p.dump();
}

std::vector<NamedArray> RidgeRegressor::arrays() const {
  const std::vector<int64_t> shape{t_, d_};
  return {{"feature_mean", shape, feature_mean_}, {"feature_std", shape, feature_std_}, {"weights", shape, weights_}};
}

std::unique_ptr<RidgeRegressor> RidgeRegressor::load(const std::string& params_json,
                                                     const std::vector<NamedArray>& arrays) {
  RegressorOptions options;
  std::unique_ptr<RidgeRegressor> r;
  try {
    const nlohmann::json p = nlohmann::json::parse(params_json);
    MOLPROP_CHECK(p.at("kind").get<std::string>() == "ridge",
                  "ridge checkpoint: parameters are for kind '" << p.at("kind").get<std::string>() << "'");
    const int format = p.at("format").get<int>();
    MOLPROP_CHECK(format == kFormatVersion,
                  "ridge checkpoint: format " << format << " is not supported (expected " << kFormatVersion << ")");
    options.ridge_alphas = p.at("alpha_grid").get<std::vector<double>>();
    options.cv_folds = p.at("cv_folds").get<int>();
    r = std::make_unique<RidgeRegressor>(options);
    r->d_ = p.at("num_features").get<int64_t>();
    r->t_ = p.at("num_tasks").get<int64_t>();
    r->alpha_ = p.at("alpha").get<std::vector<double>>();
    r->bias_ = p.at("bias").get<std::vector<double>>();
    r->residual_std_ = p.at("residual_std").get<std::vector<double>>();
    r->cv_rmse_ = p.at("cv_rmse").get<std::vector<double>>();
    r->train_rows_ = p.at("train_rows").get<std::vector<int64_t>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("ridge checkpoint: bad parameters: ") + e.what());
  }
  const int64_t d = r->d_, t = r->t_;
  MOLPROP_CHECK(d > 0 && t > 0,
                "ridge checkpoint: num_features and num_tasks must be positive, got " << d << ", " << t);
  const size_t ts = static_cast<size_t>(t);
  MOLPROP_CHECK(r->alpha_.size() == ts && r->bias_.size() == ts && r->residual_std_.size() == ts &&
                    r->cv_rmse_.size() == ts && r->train_rows_.size() == ts,
                "ridge checkpoint: per-task parameters do not all have num_tasks = " << t << " entries");
  const std::vector<int64_t> shape{t, d};
  r->feature_mean_ = find_array(arrays, "feature_mean", shape).values;
  r->feature_std_ = find_array(arrays, "feature_std", shape).values;
  r->weights_ = find_array(arrays, "weights", shape).values;
  for (size_t k = 0; k < r->feature_std_.size(); ++k) {
    MOLPROP_CHECK(std::isfinite(r->feature_std_[k]) && r->feature_std_[k] >= kMinStd,
                  "ridge checkpoint: feature_std[" << k << "] = " << r->feature_std_[k] << " is not a valid std");
    MOLPROP_CHECK(std::isfinite(r->feature_mean_[k]) && std::isfinite(r->weights_[k]),
                  "ridge checkpoint: feature_mean or weights has a non-finite entry at " << k);
  }
  for (size_t j = 0; j < ts; ++j) {
    MOLPROP_CHECK(std::isfinite(r->bias_[j]) && std::isfinite(r->residual_std_[j]) && r->residual_std_[j] >= 0,
                  "ridge checkpoint: bias or residual_std of task " << j << " is invalid");
  }
  return r;
}

}  // namespace molprop::regression
