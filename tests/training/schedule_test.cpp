#include <gtest/gtest.h>

#include <string>

#include "core/check.h"
#include "training/schedule.h"

namespace molprop::training {
namespace {

ScheduleOptions default_options() {
  ScheduleOptions o;
  o.init_lr = 1e-4;
  o.max_lr = 1e-3;
  o.final_lr = 1e-5;
  o.warmup_epochs = 2.0;
  return o;
}

// 10 epochs × 7 steps: warm-up covers steps [0, 14), decay runs to step 70.
constexpr int64_t kEpochs = 10, kStepsPerEpoch = 7;
constexpr int64_t kWarmup = 14, kTotal = 70;

TEST(NoamSchedule, WarmupStartsAtInitAndReachesMax) {
  const ScheduleOptions o = default_options();
  const NoamSchedule s(o, kEpochs, kStepsPerEpoch);
  EXPECT_DOUBLE_EQ(s.lr(0), o.init_lr);
  EXPECT_DOUBLE_EQ(s.lr(kWarmup), o.max_lr);
  for (int64_t step = 1; step <= kWarmup; ++step) {
    EXPECT_GT(s.lr(step), s.lr(step - 1)) << "step " << step;
  }
}

TEST(NoamSchedule, DecaysToFinalThenStaysThere) {
  const ScheduleOptions o = default_options();
  const NoamSchedule s(o, kEpochs, kStepsPerEpoch);
  for (int64_t step = kWarmup + 1; step <= kTotal; ++step) {
    EXPECT_LT(s.lr(step), s.lr(step - 1)) << "step " << step;
  }
  EXPECT_NEAR(s.lr(kTotal), o.final_lr, 1e-6 * o.final_lr);
  EXPECT_EQ(s.lr(kTotal + 1), o.final_lr);
  EXPECT_EQ(s.lr(10 * kTotal), o.final_lr);
}

TEST(NoamSchedule, ZeroWarmupStartsAtMax) {
  ScheduleOptions o = default_options();
  o.warmup_epochs = 0;
  const NoamSchedule s(o, kEpochs, kStepsPerEpoch);
  EXPECT_DOUBLE_EQ(s.lr(0), o.max_lr);
  for (int64_t step = 1; step <= kTotal; ++step) {
    EXPECT_LT(s.lr(step), s.lr(step - 1)) << "step " << step;
  }
  EXPECT_NEAR(s.lr(kTotal), o.final_lr, 1e-6 * o.final_lr);
}

TEST(NoamSchedule, FractionalWarmupRoundsDownToWholeSteps) {
  ScheduleOptions o = default_options();
  o.warmup_epochs = 0.5;  // 3.5 steps → 3
  const NoamSchedule s(o, kEpochs, kStepsPerEpoch);
  EXPECT_LT(s.lr(2), o.max_lr);
  EXPECT_DOUBLE_EQ(s.lr(3), o.max_lr);
}

TEST(NoamSchedule, WarmupOverWholeRunHoldsMaxUntilTheEnd) {
  // No decay steps left: γ is 1, so the rate stays at max_lr through the last step.
  ScheduleOptions o = default_options();
  o.warmup_epochs = static_cast<double>(kEpochs);
  const NoamSchedule s(o, kEpochs, kStepsPerEpoch);
  EXPECT_DOUBLE_EQ(s.lr(0), o.init_lr);
  EXPECT_DOUBLE_EQ(s.lr(kTotal), o.max_lr);
  EXPECT_EQ(s.lr(kTotal + 1), o.final_lr);
}

// Runs `make` and checks it throws a molprop::Error whose message contains `needle`.
template <typename F>
void expect_error_naming(F make, const std::string& needle) {
  try {
    make();
    ADD_FAILURE() << "no error; expected one naming " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(NoamSchedule, InvalidOptionsAreNamed) {
  auto with = [](auto edit) {
    ScheduleOptions o = default_options();
    edit(o);
    return o;
  };
  expect_error_naming([&] { NoamSchedule(with([](auto& o) { o.init_lr = 0; }), 10, 7); }, "ScheduleOptions::init_lr");
  expect_error_naming([&] { NoamSchedule(with([](auto& o) { o.max_lr = -1; }), 10, 7); }, "ScheduleOptions::max_lr");
  expect_error_naming([&] { NoamSchedule(with([](auto& o) { o.final_lr = 0; }), 10, 7); }, "ScheduleOptions::final_lr");
  expect_error_naming([&] { NoamSchedule(with([](auto& o) { o.warmup_epochs = -1; }), 10, 7); },
                      "ScheduleOptions::warmup_epochs");
  expect_error_naming([&] { NoamSchedule(default_options(), 0, 7); }, "epochs must be >= 1");
  expect_error_naming([&] { NoamSchedule(default_options(), 10, 0); }, "steps per epoch");
}

}  // namespace
}  // namespace molprop::training

TEST(NoamSchedule, WarmupLongerThanTheRunIsCutToTheRun) {
  using molprop::training::NoamSchedule;
  using molprop::training::ScheduleOptions;
  ScheduleOptions o;
  o.warmup_epochs = 2;  // the default, with a one-epoch run
  NoamSchedule s(o, /*epochs=*/1, /*steps_per_epoch=*/10);
  EXPECT_DOUBLE_EQ(s.lr(0), o.init_lr);
  for (int64_t k = 1; k < 10; ++k) EXPECT_GT(s.lr(k), s.lr(k - 1));
  EXPECT_LE(s.lr(9), o.max_lr);
}

// Regression test: the warm-up length was once computed from the total step count before
// that count was set (undefined behaviour that often meant no warm-up at all).
TEST(NoamSchedule, LongRunsWarmUpFromInitLr) {
  using molprop::training::NoamSchedule;
  using molprop::training::ScheduleOptions;
  for (int64_t epochs : {1, 2, 30}) {
    ScheduleOptions o;
    o.warmup_epochs = 0.1;
    NoamSchedule s(o, epochs, 4701);
    EXPECT_DOUBLE_EQ(s.lr(0), o.init_lr) << epochs;
    EXPECT_LT(s.lr(200), o.max_lr) << epochs;
    EXPECT_NEAR(s.lr(470), o.max_lr, 1e-12) << epochs;
  }
}
