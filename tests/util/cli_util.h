#pragma once
// Runs the molprop executable the way a user does and captures what it prints.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace molprop::testing_util {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `args` is appended to the binary path as is (quote what needs quoting).
inline CommandResult run_molprop(const std::string& args, const std::string& tmp_dir) {
  // Unique names: ctest runs tests in parallel, and several share a folder.
  static int counter = 0;
  const std::string tag = std::to_string(::getpid()) + "." + std::to_string(counter++);
  const std::string out_path = tmp_dir + "/stdout." + tag + ".txt";
  const std::string err_path = tmp_dir + "/stderr." + tag + ".txt";
  const std::string cmd = std::string(MOLPROP_BINARY) + " " + args + " >" + out_path + " 2>" + err_path;
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

// Rows of a CSV without quoted fields, split on commas (a trailing empty cell is kept).
inline std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1) {
      f.push_back(line.substr(start, comma - start));
    }
    f.push_back(line.substr(start));
    rows.push_back(f);
  }
  return rows;
}

inline int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace molprop::testing_util
