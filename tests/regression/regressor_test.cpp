#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/rng.h"
#include "regression/gp.h"
#include "regression/regressor.h"
#include "regression/ridge.h"

namespace molprop::regression {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

// Standard normal draws (Box–Muller on core::Rng), so the data are the same everywhere.
class Normal {
 public:
  explicit Normal(uint64_t seed) : rng_(seed) {}
  double operator()() {
    const double u1 = 1.0 - rng_.uniform01();  // (0, 1]
    const double u2 = rng_.uniform01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

 private:
  core::Rng rng_;
};

std::vector<float> random_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  Normal normal(seed);
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (float& x : v) x = static_cast<float>(normal());
  return v;
}

// Rows [begin, end) of a row-major matrix with `cols` columns.
std::vector<float> slice_rows(const std::vector<float>& v, int64_t cols, int64_t begin, int64_t end) {
  return std::vector<float>(v.begin() + begin * cols, v.begin() + end * cols);
}

// y = x · w + b for a fixed w (one task).
std::vector<float> linear_targets(const std::vector<float>& x, int64_t n, int64_t d, double b) {
  std::vector<float> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double s = b;
    for (int64_t c = 0; c < d; ++c)
      s += x[static_cast<size_t>(i * d + c)] * (0.5 + 0.3 * static_cast<double>(c) - 0.07 * c * c);
    y[static_cast<size_t>(i)] = static_cast<float>(s);
  }
  return y;
}

double rmse(const std::vector<float>& a, const std::vector<float>& b) {
  double ss = 0;
  for (size_t i = 0; i < a.size(); ++i) ss += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(ss / static_cast<double>(a.size()));
}

const NamedArray& array_named(const std::vector<NamedArray>& arrays, const std::string& name) {
  for (const auto& a : arrays) {
    if (a.name == name) return a;
  }
  throw std::runtime_error("no array " + name);
}

// Predictions of `model` and of its save/load copy agree to 1e-6.
void expect_round_trip(const EmbeddingRegressor& model, const std::vector<float>& x, int64_t n) {
  const auto loaded = load_regressor(model.kind(), model.params_json(), model.arrays());
  ASSERT_EQ(loaded->kind(), model.kind());
  ASSERT_EQ(loaded->num_features(), model.num_features());
  ASSERT_EQ(loaded->num_tasks(), model.num_tasks());
  std::vector<float> mean_a, std_a, mean_b, std_b;
  model.predict(x, n, mean_a, std_a);
  loaded->predict(x, n, mean_b, std_b);
  ASSERT_EQ(mean_a.size(), mean_b.size());
  for (size_t k = 0; k < mean_a.size(); ++k) {
    EXPECT_NEAR(mean_a[k], mean_b[k], 1e-6) << "entry " << k;
    EXPECT_NEAR(std_a[k], std_b[k], 1e-6) << "entry " << k;
  }
  EXPECT_EQ(loaded->params_json(), model.params_json());
}

// ---------------------------------------------------------------- ridge

TEST(Ridge, RecoversNoiselessLinearFunction) {
  const int64_t n = 200, d = 10, n_train = 150;
  const auto x = random_matrix(n, d, /*seed=*/1);
  const auto y = linear_targets(x, n, d, /*b=*/3.0);
  RidgeRegressor ridge;
  ridge.fit(slice_rows(x, d, 0, n_train), n_train, d, slice_rows(y, 1, 0, n_train), 1, /*seed=*/7);
  std::vector<float> mean, std;
  ridge.predict(slice_rows(x, d, n_train, n), n - n_train, mean, std);
  EXPECT_LT(rmse(mean, slice_rows(y, 1, n_train, n)), 1e-2);
  EXPECT_LE(ridge.alpha()[0], 1e-2);
  EXPECT_LT(ridge.residual_std()[0], 1e-2);
  for (float s : std) EXPECT_FLOAT_EQ(s, static_cast<float>(ridge.residual_std()[0]));
}

TEST(Ridge, PureNoisePicksLargeAlpha) {
  const int64_t n = 100, d = 30;
  for (uint64_t seed : {2, 3, 4}) {
    const auto x = random_matrix(n, d, seed);
    const auto y = random_matrix(n, 1, seed + 100);
    RidgeRegressor ridge;
    ridge.fit(x, n, d, y, 1, seed);
    EXPECT_GE(ridge.alpha()[0], 100.0) << "seed " << seed;
  }
}

// The chosen weights satisfy the ridge normal equations (ZᵀZ + αI) w = Zᵀ(y − ȳ) on the
// task's standardised rows, both where the primal (d ≤ n) and the dual (d > n) is solved.
TEST(Ridge, WeightsSolveNormalEquationsInPrimalAndDualForm) {
  for (const auto& [n, d] : std::vector<std::pair<int64_t, int64_t>>{{80, 12}, {25, 60}}) {
    const auto x = random_matrix(n, d, /*seed=*/11);
    auto y = random_matrix(n, 1, /*seed=*/12);
    for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] += 2.0f * x[static_cast<size_t>(i * d)];
    RegressorOptions options;
    options.ridge_alphas = {0.7};
    RidgeRegressor ridge(options);
    ridge.fit(x, n, d, y, 1, /*seed=*/1);
    const auto arrays = ridge.arrays();
    const auto& mu = array_named(arrays, "feature_mean").values;
    const auto& sd = array_named(arrays, "feature_std").values;
    const auto& w = ridge.weights();
    std::vector<double> z(static_cast<size_t>(n * d));
    double ybar = 0;
    for (int64_t i = 0; i < n; ++i) {
      ybar += y[static_cast<size_t>(i)] / static_cast<double>(n);
      for (int64_t c = 0; c < d; ++c)
        z[static_cast<size_t>(i * d + c)] =
            (x[static_cast<size_t>(i * d + c)] - mu[static_cast<size_t>(c)]) / sd[static_cast<size_t>(c)];
    }
    std::vector<double> residual(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      double p = 0;
      for (int64_t c = 0; c < d; ++c) p += z[static_cast<size_t>(i * d + c)] * w[static_cast<size_t>(c)];
      residual[static_cast<size_t>(i)] = p - (y[static_cast<size_t>(i)] - ybar);
    }
    for (int64_t c = 0; c < d; ++c) {
      double g = 0.7 * w[static_cast<size_t>(c)];
      for (int64_t i = 0; i < n; ++i) g += z[static_cast<size_t>(i * d + c)] * residual[static_cast<size_t>(i)];
      EXPECT_NEAR(g, 0.0, 1e-6) << "n " << n << ", d " << d << ", column " << c;
    }
    EXPECT_NEAR(ridge.bias()[0], ybar, 1e-6);
  }
}

TEST(Ridge, NanTargetsAreSkipped) {
  const int64_t n = 120, d = 6;
  const auto x = random_matrix(n, d, /*seed=*/21);
  const auto noise = random_matrix(n, 1, /*seed=*/22);
  const auto clean = linear_targets(x, n, d, /*b=*/-1.0);
  // Task 0 complete; task 1 noisy and missing on every other row.
  std::vector<float> y(static_cast<size_t>(n * 2));
  std::vector<float> x_present, y_present;
  for (int64_t i = 0; i < n; ++i) {
    const float target = clean[static_cast<size_t>(i)] + 0.5f * noise[static_cast<size_t>(i)];
    y[static_cast<size_t>(i * 2)] = clean[static_cast<size_t>(i)];
    y[static_cast<size_t>(i * 2 + 1)] = i % 2 == 0 ? target : kMissing;
    if (i % 2 == 0) {
      x_present.insert(x_present.end(), x.begin() + i * d, x.begin() + (i + 1) * d);
      y_present.push_back(target);
    }
  }
  RidgeRegressor with_gaps, present_only;
  with_gaps.fit(x, n, d, y, 2, /*seed=*/5);
  present_only.fit(x_present, n / 2, d, y_present, 1, /*seed=*/5);
  EXPECT_EQ(with_gaps.alpha()[1], present_only.alpha()[0]);
  EXPECT_NEAR(with_gaps.bias()[1], present_only.bias()[0], 1e-9);
  EXPECT_NEAR(with_gaps.residual_std()[1], present_only.residual_std()[0], 1e-9);
  for (int64_t c = 0; c < d; ++c) {
    EXPECT_NEAR(with_gaps.weights()[static_cast<size_t>(d + c)], present_only.weights()[static_cast<size_t>(c)], 1e-9);
  }
}

TEST(Ridge, TaskWithFewerThanTwoRowsIsAnErrorNamingTheTask) {
  const int64_t n = 10, d = 3;
  const auto x = random_matrix(n, d, /*seed=*/1);
  std::vector<float> y(static_cast<size_t>(n * 2), 1.0f);
  for (int64_t i = 1; i < n; ++i) y[static_cast<size_t>(i * 2 + 1)] = kMissing;
  RidgeRegressor ridge;
  try {
    ridge.fit(x, n, d, y, 2, 1);
    FAIL() << "expected molprop::Error";
  } catch (const molprop::Error& e) {
    EXPECT_NE(std::string(e.what()).find("task 1"), std::string::npos) << e.what();
  }
}

TEST(Ridge, RejectsBadInput) {
  RidgeRegressor ridge;
  EXPECT_THROW(ridge.fit(std::vector<float>(10), 5, 3, std::vector<float>(5), 1, 1), molprop::Error);
  std::vector<float> x = random_matrix(5, 2, 1);
  x[3] = kMissing;
  EXPECT_THROW(ridge.fit(x, 5, 2, std::vector<float>(5, 1.0f), 1, 1), molprop::Error);
  RegressorOptions bad;
  bad.ridge_alphas = {};
  EXPECT_THROW(RidgeRegressor{bad}, molprop::Error);
  bad.ridge_alphas = {-1.0};
  EXPECT_THROW(RidgeRegressor{bad}, molprop::Error);
  std::vector<float> mean, std;
  EXPECT_THROW(ridge.predict(std::vector<float>(4), 2, mean, std), molprop::Error);  // not fitted
}

// ---------------------------------------------------------------- gp

TEST(GaussianProcess, InterpolatesSineAndIsUnsureFarFromData) {
  const int64_t n = 25;
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    const double xi = 2.0 * kPi * static_cast<double>(i) / static_cast<double>(n - 1);
    x.push_back(static_cast<float>(xi));
    y.push_back(static_cast<float>(std::sin(xi)));
  }
  GaussianProcessRegressor gp;
  gp.fit(x, n, 1, y, 1, /*seed=*/1);
  // Midpoints between training points, and one point far outside [0, 2π].
  std::vector<float> xq;
  for (int64_t i = 0; i + 1 < n; ++i) xq.push_back(0.5f * (x[static_cast<size_t>(i)] + x[static_cast<size_t>(i + 1)]));
  xq.push_back(30.0f);
  std::vector<float> mean, std;
  gp.predict(xq, static_cast<int64_t>(xq.size()), mean, std);
  ASSERT_EQ(mean.size(), xq.size());
  double max_err = 0, max_std_near = 0;
  for (size_t k = 0; k + 1 < xq.size(); ++k) {
    max_err = std::max(max_err, std::abs(mean[k] - std::sin(static_cast<double>(xq[k]))));
    max_std_near = std::max(max_std_near, static_cast<double>(std[k]));
  }
  EXPECT_LT(max_err, 0.02);
  const float std_far = std.back();
  EXPECT_GT(std_far, 3 * max_std_near);
  EXPECT_NEAR(mean.back(), 0.0, 0.05);  // the prior mean (mean of the targets ≈ 0)
  EXPECT_LE(gp.noise(0), 1e-2);         // noiseless data: small noise wins
}

TEST(GaussianProcess, TanimotoKernelOnRandomBits) {
  const int64_t n = 80, d = 64;
  core::Rng rng(3);
  std::vector<float> x(static_cast<size_t>(n * d));
  for (float& v : x) v = rng.uniform(2) == 1 ? 1.0f : 0.0f;
  // Target: how many of the first 16 bits are set (a smooth function of the overlap).
  std::vector<float> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < 16; ++c) y[static_cast<size_t>(i)] += x[static_cast<size_t>(i * d + c)];
  }
  RegressorOptions options;
  options.gp_kernel = "tanimoto";
  GaussianProcessRegressor gp(options);
  gp.fit(x, n, d, y, 1, /*seed=*/1);
  EXPECT_EQ(gp.length_scale(0), 0.0);
  std::vector<float> mean, std;
  gp.predict(x, n, mean, std);
  double ss_res = 0, ss_tot = 0, y_mean = 0;
  for (float v : y) y_mean += v / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(std::isfinite(mean[static_cast<size_t>(i)]));
    ASSERT_TRUE(std::isfinite(std[static_cast<size_t>(i)]));
    EXPECT_GT(std[static_cast<size_t>(i)], 0.0f);
    ss_res += std::pow(mean[static_cast<size_t>(i)] - y[static_cast<size_t>(i)], 2);
    ss_tot += std::pow(y[static_cast<size_t>(i)] - y_mean, 2);
  }
  EXPECT_LT(ss_res, 0.5 * ss_tot);  // fits its training rows better than the mean does
  expect_round_trip(gp, x, n);

  // An all-zero query has similarity 0 to every (non-empty) training row: prior mean.
  std::vector<float> zero(static_cast<size_t>(d), 0.0f);
  gp.predict(zero, 1, mean, std);
  EXPECT_NEAR(mean[0], y_mean, 1e-4);

  std::vector<float> negative = x;
  negative[5] = -1.0f;
  EXPECT_THROW(gp.fit(negative, n, d, y, 1, 1), molprop::Error);
}

TEST(GaussianProcess, SubsamplesToMaxTrainAndIsDeterministicBySeed) {
  const int64_t n = 150, d = 4;
  const auto x = random_matrix(n, d, /*seed=*/31);
  const auto y = linear_targets(x, n, d, 0.0);
  RegressorOptions options;
  options.gp_max_train = 60;
  GaussianProcessRegressor a(options), b(options), c(options);
  a.fit(x, n, d, y, 1, /*seed=*/9);
  b.fit(x, n, d, y, 1, /*seed=*/9);
  c.fit(x, n, d, y, 1, /*seed=*/10);
  EXPECT_EQ(a.train_rows(0), 60);
  EXPECT_EQ(a.params_json(), b.params_json());
  std::vector<float> ma, sa, mb, sb, mc, sc;
  a.predict(x, n, ma, sa);
  b.predict(x, n, mb, sb);
  c.predict(x, n, mc, sc);
  EXPECT_EQ(ma, mb);
  EXPECT_EQ(sa, sb);
  EXPECT_NE(array_named(a.arrays(), "x_train").values, array_named(c.arrays(), "x_train").values);
}

TEST(GaussianProcess, TaskWithFewerThanTwoRowsIsAnError) {
  const auto x = random_matrix(5, 2, 1);
  std::vector<float> y(5, kMissing);
  y[2] = 1.0f;
  GaussianProcessRegressor gp;
  EXPECT_THROW(gp.fit(x, 5, 2, y, 1, 1), molprop::Error);
  RegressorOptions bad;
  bad.gp_kernel = "matern";
  EXPECT_THROW(GaussianProcessRegressor{bad}, molprop::Error);
}

// ---------------------------------------------------------------- both, via the registry

TEST(Regressor, UnknownKindListsKnownOnes) {
  try {
    make_regressor("svm");
    FAIL() << "expected molprop::Error";
  } catch (const molprop::Error& e) {
    EXPECT_STREQ(e.what(), "unknown head 'svm'; known: gp, ridge");
  }
  EXPECT_THROW(load_regressor("svm", "{}", {}), molprop::Error);
}

TEST(Regressor, MultiTaskShapesAndRoundTrip) {
  const int64_t n = 90, d = 5, t = 2;
  const auto x = random_matrix(n, d, /*seed=*/41);
  const auto lin = linear_targets(x, n, d, 1.0);
  std::vector<float> y(static_cast<size_t>(n * t));
  for (int64_t i = 0; i < n; ++i) {
    y[static_cast<size_t>(i * t)] = lin[static_cast<size_t>(i)];
    y[static_cast<size_t>(i * t + 1)] = i % 3 == 0 ? kMissing : std::sin(x[static_cast<size_t>(i * d)]);
  }
  const auto xq = random_matrix(17, d, /*seed=*/42);
  for (const std::string kind : {"ridge", "gp"}) {
    SCOPED_TRACE(kind);
    auto model = make_regressor(kind);
    EXPECT_EQ(model->kind(), kind);
    model->fit(x, n, d, y, t, /*seed=*/3);
    EXPECT_EQ(model->num_features(), d);
    EXPECT_EQ(model->num_tasks(), t);
    std::vector<float> mean, std;
    model->predict(xq, 17, mean, std);
    EXPECT_EQ(mean.size(), static_cast<size_t>(17 * t));
    EXPECT_EQ(std.size(), static_cast<size_t>(17 * t));
    for (size_t k = 0; k < mean.size(); ++k) {
      EXPECT_TRUE(std::isfinite(mean[k]));
      EXPECT_GE(std[k], 0.0f);
    }
    model->predict({}, 0, mean, std);
    EXPECT_TRUE(mean.empty());
    expect_round_trip(*model, xq, 17);

    // Same seed, same model.
    auto again = make_regressor(kind);
    again->fit(x, n, d, y, t, /*seed=*/3);
    EXPECT_EQ(again->params_json(), model->params_json());
    std::vector<float> mean2, std2;
    again->predict(xq, 17, mean2, std2);
    model->predict(xq, 17, mean, std);
    EXPECT_EQ(mean, mean2);
    EXPECT_EQ(std, std2);
  }
}

TEST(Regressor, LoadRejectsBadInput) {
  const int64_t n = 30, d = 3;
  const auto x = random_matrix(n, d, /*seed=*/51);
  const auto y = linear_targets(x, n, d, 0.0);
  for (const std::string kind : {"ridge", "gp"}) {
    SCOPED_TRACE(kind);
    auto model = make_regressor(kind);
    model->fit(x, n, d, y, 1, 1);
    const std::string params = model->params_json();
    const auto arrays = model->arrays();
    EXPECT_THROW(load_regressor(kind, "not json", arrays), molprop::Error);
    EXPECT_THROW(load_regressor(kind, "{}", arrays), molprop::Error);
    EXPECT_THROW(load_regressor(kind == "ridge" ? "gp" : "ridge", params, arrays), molprop::Error);
    auto missing = arrays;
    missing.pop_back();
    EXPECT_THROW(load_regressor(kind, params, missing), molprop::Error);
    auto reshaped = arrays;
    reshaped[0].shape[1] += 1;
    EXPECT_THROW(load_regressor(kind, params, reshaped), molprop::Error);
    auto truncated = arrays;
    truncated[0].values.pop_back();
    EXPECT_THROW(load_regressor(kind, params, truncated), molprop::Error);
    std::vector<float> mean, std;
    EXPECT_THROW(model->predict(std::vector<float>(5), 2, mean, std), molprop::Error);  // 5 ≠ 2 × 3
  }
}

// Prints wall and process CPU time (all threads; less sensitive to a busy machine) of
// fit, predict on the training rows, and load.
void time_regressor(const std::string& label, const std::string& kind, const RegressorOptions& options,
                    const std::vector<float>& x, int64_t n, int64_t d, const std::vector<float>& y) {
  auto model = make_regressor(kind, options);
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  model->fit(x, n, d, y, 1, 1);
  const auto t1 = std::chrono::steady_clock::now();
  const std::clock_t c1 = std::clock();
  std::vector<float> mean, std;
  model->predict(x, n, mean, std);
  const auto t2 = std::chrono::steady_clock::now();
  const std::clock_t c2 = std::clock();
  const auto loaded = load_regressor(kind, model->params_json(), model->arrays());
  const auto t3 = std::chrono::steady_clock::now();
  const std::clock_t c3 = std::clock();
  const auto wall = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  const auto cpu = [](std::clock_t a, std::clock_t b) { return static_cast<double>(b - a) / CLOCKS_PER_SEC; };
  std::printf("%s (n %lld, d %lld): fit %.2f s (cpu %.2f s), predict %.2f s (cpu %.2f s), load %.2f s (cpu %.2f s)\n",
              label.c_str(), static_cast<long long>(n), static_cast<long long>(d), wall(t0, t1), cpu(c0, c1),
              wall(t1, t2), cpu(c1, c2), wall(t2, t3), cpu(c2, c3));
}

// Timing at the documented sizes; run with --gtest_also_run_disabled_tests.
TEST(Regressor, DISABLED_FitTimeAtEmbeddingScale) {
  const int64_t n = 4000, d = 300;
  const auto x = random_matrix(n, d, /*seed=*/61);
  auto y = random_matrix(n, 1, /*seed=*/62);
  for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] += 0.1f * x[static_cast<size_t>(i * d)];
  time_regressor("ridge", "ridge", {}, x, n, d, y);
  time_regressor("gp rbf", "gp", {}, x, n, d, y);
}

TEST(Regressor, DISABLED_FitTimeAtFingerprintScale) {
  const int64_t n = 4000, d = 2048;
  core::Rng rng(63);
  std::vector<float> x(static_cast<size_t>(n * d));
  for (float& v : x) v = rng.uniform(16) == 0 ? 1.0f : 0.0f;  // ~6% of bits set
  std::vector<float> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t c = 0; c < 64; ++c) y[static_cast<size_t>(i)] += x[static_cast<size_t>(i * d + c)];
  }
  time_regressor("ridge", "ridge", {}, x, n, d, y);
  RegressorOptions tanimoto;
  tanimoto.gp_kernel = "tanimoto";
  time_regressor("gp tanimoto", "gp", tanimoto, x, n, d, y);
}

}  // namespace
}  // namespace molprop::regression
