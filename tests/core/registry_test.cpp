#include "core/registry.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

namespace molprop::core {
namespace {

using MakeInt = std::function<std::unique_ptr<int>(int)>;

const Registry<MakeInt>& table() {
  static const Registry<MakeInt> registry{"number",
                                          "known numbers",
                                          {
                                              {"two", [](int x) { return std::make_unique<int>(2 * x); }},
                                              {"one", [](int x) { return std::make_unique<int>(x); }},
                                              {"three", [](int x) { return std::make_unique<int>(3 * x); }},
                                          }};
  return registry;
}

TEST(Registry, LooksUpTheFactoryByName) {
  EXPECT_EQ(*table().at("one")(7), 7);
  EXPECT_EQ(*table().at("two")(7), 14);
  EXPECT_EQ(*table().at("three")(7), 21);
}

TEST(Registry, NamesAreSorted) {
  EXPECT_EQ(table().names(), (std::vector<std::string>{"one", "three", "two"}));
  EXPECT_EQ(table().joined_names(), "one, three, two");
  EXPECT_EQ(table().joined_names("|"), "one|three|two");
}

TEST(Registry, ContainsOnlyRegisteredNames) {
  EXPECT_TRUE(table().contains("two"));
  EXPECT_FALSE(table().contains("four"));
  EXPECT_FALSE(table().contains(""));
}

TEST(Registry, UnknownNameThrowsListingTheKnownOnes) {
  try {
    table().at("four");
    FAIL() << "expected molprop::Error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "unknown number 'four'; known numbers: one, three, two");
  }
}

TEST(Registry, EmptyRegistryNamesNothing) {
  const Registry<MakeInt> empty{"part", "known", {}};
  EXPECT_TRUE(empty.names().empty());
  EXPECT_THROW(empty.at("x"), Error);
}

}  // namespace
}  // namespace molprop::core
