#include "core/output_paths.h"

#include <sys/stat.h>

#include "core/check.h"

namespace molprop::core {

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  if (a.empty() || b.empty() || ::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void check_output_is_not_input(const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty() || output == "-") return;
  for (const auto& input : inputs) {
    if (input == "-" || !same_file(output, input)) continue;
    throw Error(output + ": is the same file as the input " + input +
                "; writing it would destroy the input (choose another output path)");
  }
}

}  // namespace molprop::core
