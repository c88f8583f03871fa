#include "core/output_paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/check.h"
#include "tests/util/scratch_dir.h"

namespace molprop::core {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string refusal(const std::string& output, const std::vector<std::string>& inputs) {
  try {
    check_output_is_not_input(output, inputs);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Issue 14 case 4: `featurize --input same.csv --output same.csv` replaced the CSV.
TEST(Reliability, OutputThatIsAnInputIsRefusedWhateverItsSpelling) {
  const std::string dir = testing_util::fresh_dir("output_paths_same");
  const std::string input = dir + "/a.csv";
  std::ofstream(input) << "smiles\nCCO\n";
  fs::create_symlink(input, dir + "/link.csv");
  fs::create_hard_link(input, dir + "/hard.csv");
  for (const std::string& output :
       {input, dir + "/./a.csv", dir + "/../" + fs::path(dir).filename().string() + "/a.csv", dir + "/link.csv",
        dir + "/hard.csv"}) {
    const std::string message = refusal(output, {"model.h5", input});
    EXPECT_THAT(message, HasSubstr(output + ": is the same file as the input " + input)) << output;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  // The other way round: the input spelled through the link.
  EXPECT_THAT(refusal(input, {dir + "/link.csv"}), HasSubstr("is the same file as the input"));
}

TEST(Reliability, OutputThatIsNoInputIsAccepted) {
  const std::string dir = testing_util::fresh_dir("output_paths_other");
  std::ofstream(dir + "/a.csv") << "x";
  std::ofstream(dir + "/b.csv") << "x";
  EXPECT_EQ(refusal(dir + "/b.csv", {dir + "/a.csv"}), "");
  EXPECT_EQ(refusal(dir + "/new.h5", {dir + "/a.csv"}), "");  // does not exist yet
  EXPECT_EQ(refusal("-", {"-"}), "");                         // stdout, stdin
  EXPECT_EQ(refusal("", {dir + "/a.csv"}), "");
  EXPECT_TRUE(same_file(dir + "/a.csv", dir + "/./a.csv"));
  EXPECT_FALSE(same_file(dir + "/a.csv", dir + "/b.csv"));
  EXPECT_FALSE(same_file(dir + "/missing", dir + "/missing"));
}

}  // namespace
}  // namespace molprop::core
