#include "core/progress.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace molprop {
namespace {

TEST(HumanCount, CompactUnits) {
  EXPECT_EQ(core::human_count(0), "0");
  EXPECT_EQ(core::human_count(999), "999");
  EXPECT_EQ(core::human_count(9999), "9999");
  EXPECT_EQ(core::human_count(12345), "12.3k");
  EXPECT_EQ(core::human_count(3.4e6), "3.4M");
  EXPECT_EQ(core::human_count(2.5e9), "2.5G");
}

TEST(HumanDuration, SecondsMinutesHours) {
  EXPECT_EQ(core::human_duration(0), "0s");
  EXPECT_EQ(core::human_duration(59.4), "59s");
  EXPECT_EQ(core::human_duration(65), "1m05s");
  EXPECT_EQ(core::human_duration(7380), "2h03m");
  EXPECT_EQ(core::human_duration(-1), "?");
  EXPECT_EQ(core::human_duration(1e8), "?");
}

TEST(Progress, QuietOrNotATerminalDrawsNothing) {
  ::testing::internal::CaptureStderr();
  {
    core::Progress quiet("featurize", 100, "mol", /*quiet=*/true);
    EXPECT_FALSE(quiet.active());
    quiet.update(50, 50, "extra");
    quiet.update(100, 100);
    quiet.finish();
    quiet.finish();  // idempotent
  }
  {
    // stderr is a pipe while captured, so even a non-quiet progress line stays silent.
    core::Progress loud("featurize", 0, "mol", /*quiet=*/false);
    EXPECT_FALSE(loud.active());
    loud.update(10, 10);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(Progress, ActiveOnlyOnATerminal) {
  core::Progress p("x", 1, "mol", /*quiet=*/false);
  EXPECT_EQ(p.active(), ::isatty(STDERR_FILENO) == 1);
  EXPECT_GE(p.elapsed_seconds(), 0.0);
}

}  // namespace
}  // namespace molprop
