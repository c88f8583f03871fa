#include "core/sha256.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/check.h"

namespace molprop::core {
namespace {

TEST(Sha256, EmptyString) {
  EXPECT_EQ(core::sha256_bytes(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// FIPS 180-4 example B.1 (as printed by sha256sum).
TEST(Sha256, Abc) {
  EXPECT_EQ(core::sha256_bytes("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// 56 bytes: the padding no longer fits in the first block, so a second one is needed.
TEST(Sha256, TwoBlockMessage) {
  EXPECT_EQ(core::sha256_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionA) {
  EXPECT_EQ(core::sha256_bytes(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Longer than the file block size and not a multiple of 64, with every byte value, so
// the streamed path crosses block and buffer boundaries.
TEST(Sha256, FileMatchesBytes) {
  std::string content;
  for (int i = 0; i < 200003; ++i) content.push_back(static_cast<char>((i * 131 + i / 7) & 0xff));
  const std::string path = testing::TempDir() + "/sha256_file_matches_bytes.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  EXPECT_EQ(core::sha256_file(path), core::sha256_bytes(content));
  std::filesystem::remove(path);
}

TEST(Sha256, EmptyFile) {
  const std::string path = testing::TempDir() + "/sha256_empty_file.bin";
  { std::ofstream out(path, std::ios::binary); }
  EXPECT_EQ(core::sha256_file(path), core::sha256_bytes(""));
  std::filesystem::remove(path);
}

TEST(Sha256, MissingFileNamesIt) {
  const std::string path = testing::TempDir() + "/sha256_no_such_file.bin";
  try {
    core::sha256_file(path);
    FAIL() << "expected molprop::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr(path));
    EXPECT_THAT(e.what(), testing::HasSubstr("No such file or directory"));
  }
}

TEST(Sha256, SharedEsol) {
  const std::string path = std::string(MOLPROP_SHARED_DATA_DIR) + "/esol.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  EXPECT_EQ(core::sha256_file(path), "329cba2f67de162d7f16ed67ff981e0383325d6de42bb89958811e04f2aa1cd2");
}

}  // namespace
}  // namespace molprop::core
