#pragma once
// Per-process scratch folders. ctest runs every test case as its own process, in parallel, so
// a folder name shared by two cases of one file would let one case delete the other's files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace molprop::testing_util {

// An empty folder <TempDir>/<name>.<pid>, created fresh.
inline std::string fresh_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/" + name + "." + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace molprop::testing_util
