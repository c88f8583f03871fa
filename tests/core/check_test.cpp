#include "core/check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace molprop {
namespace {

using ::testing::HasSubstr;

TEST(Check, PassingCheckDoesNotEvaluateTheMessage) {
  int evaluated = 0;
  auto count = [&] { return ++evaluated; };
  EXPECT_NO_THROW(MOLPROP_CHECK(1 + 1 == 2, "never built " << count()));
  EXPECT_EQ(evaluated, 0);
}

TEST(Check, FailingCheckThrowsErrorWithMessageExpressionAndLocation) {
  const int width = 3;
  int line = 0;
  try {
    line = __LINE__ + 1;
    MOLPROP_CHECK(width == 4, "width is " << width << ", expected " << 4);
    ADD_FAILURE() << "no exception";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("width is 3, expected 4"));
    EXPECT_THAT(what, HasSubstr("[check failed: width == 4 at "));
    EXPECT_THAT(what, HasSubstr("check_test.cpp:" + std::to_string(line) + "]"));
    EXPECT_EQ(what.rfind("width is 3", 0), 0u) << "the message comes first: " << what;
  }
}

TEST(Check, ConditionIsEvaluatedOnce) {
  int calls = 0;
  auto next = [&] { return ++calls; };
  EXPECT_THROW(MOLPROP_CHECK(next() == 2, "first call"), Error);
  EXPECT_EQ(calls, 1);
}

TEST(Check, IsOneStatementInsideIfElse) {
  bool ok = true;
  if (ok) MOLPROP_CHECK(ok, "unused");
  else
    ADD_FAILURE();
  SUCCEED();
}

TEST(FailCheck, ThrowsErrorThatIsARuntimeError) {
  try {
    fail_check("a < b", "file.cpp", 12, "a is too large");
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(dynamic_cast<const Error*>(&e), nullptr);
    EXPECT_STREQ(e.what(), "a is too large [check failed: a < b at file.cpp:12]");
  }
}

}  // namespace
}  // namespace molprop
