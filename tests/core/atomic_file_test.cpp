#include "core/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/check.h"
#include "tests/util/scratch_dir.h"

namespace molprop::core {
namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// The names in `dir`, sorted: shows a temporary left behind.
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, TemporaryIsBesideThePathAndNamedForTheProcess) {
  const std::string dir = testing_util::fresh_dir("atomic_temp_name");
  const AtomicFile file(dir + "/out.csv");
  EXPECT_EQ(file.path(), dir + "/out.csv");
  EXPECT_EQ(file.temp_path(), dir + "/out.csv.tmp." + std::to_string(::getpid()));
  EXPECT_FALSE(file.committed());
}

TEST(AtomicFile, CommitPutsTheContentAtThePath) {
  const std::string dir = testing_util::fresh_dir("atomic_commit");
  const std::string path = dir + "/out.txt";
  write_text(path, "old\n");
  {
    AtomicFile file(path);
    write_text(file.temp_path(), "new\n");
    EXPECT_EQ(read_text(path), "old\n");  // not visible before the commit
    file.commit();
    EXPECT_TRUE(file.committed());
  }
  EXPECT_EQ(read_text(path), "new\n");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, DestructorWithoutCommitRemovesTheTemporary) {
  const std::string dir = testing_util::fresh_dir("atomic_abandon");
  const std::string path = dir + "/out.txt";
  write_text(path, "old\n");
  std::string temp;
  {
    AtomicFile file(path);
    temp = file.temp_path();
    write_text(temp, "half");
    ASSERT_TRUE(fs::exists(temp));
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(read_text(path), "old\n");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.txt"});
}

// Nothing was written: the destructor has nothing to remove and must not throw.
TEST(AtomicFile, DestructorWithoutTemporaryIsQuiet) {
  const std::string dir = testing_util::fresh_dir("atomic_never_written");
  { AtomicFile file(dir + "/out.txt"); }
  EXPECT_TRUE(entries(dir).empty());
}

TEST(AtomicFile, ExceptionBeforeCommitLeavesTheOldFileAndNoTemporary) {
  const std::string dir = testing_util::fresh_dir("atomic_exception");
  const std::string path = dir + "/out.txt";
  write_text(path, "old\n");
  try {
    AtomicFile file(path);
    write_text(file.temp_path(), "half");
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "interrupted");
  }
  EXPECT_EQ(read_text(path), "old\n");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.txt"});
}

// rename(2) refuses to replace a directory by a file.
TEST(AtomicFile, FailedRenameThrowsErrorNamingThePath) {
  const std::string dir = testing_util::fresh_dir("atomic_rename_fails");
  const std::string path = dir + "/out";
  fs::create_directories(path + "/inside");
  AtomicFile file(path);
  write_text(file.temp_path(), "new\n");
  try {
    file.commit();
    FAIL() << "commit over a directory should throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": cannot move the finished file into place ("));
    EXPECT_THAT(e.what(), HasSubstr(std::strerror(EISDIR)));
  }
  EXPECT_FALSE(file.committed());
  EXPECT_TRUE(fs::is_directory(path + "/inside"));
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out"});  // the temporary is gone
}

TEST(AtomicFile, CommitTwiceIsAnError) {
  const std::string dir = testing_util::fresh_dir("atomic_commit_twice");
  AtomicFile file(dir + "/out.txt");
  write_text(file.temp_path(), "new\n");
  file.commit();
  EXPECT_THROW(file.commit(), Error);
  EXPECT_EQ(read_text(dir + "/out.txt"), "new\n");
}

TEST(WriteFileAtomically, WritesTheWholeContent) {
  const std::string dir = testing_util::fresh_dir("atomic_write_text");
  const std::string path = dir + "/metrics.json";
  write_text(path, "old\n");
  write_file_atomically(path, [](std::ostream& out) { out << "{\"rmse\": 0.5}\n"; });
  EXPECT_EQ(read_text(path), "{\"rmse\": 0.5}\n");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"metrics.json"});
}

TEST(WriteFileAtomically, ExceptionInTheWriterLeavesTheOldFileAndNoTemporary) {
  const std::string dir = testing_util::fresh_dir("atomic_write_throws");
  const std::string path = dir + "/out.csv";
  write_text(path, "old\n");
  EXPECT_THROW(write_file_atomically(path,
                                     [](std::ostream& out) {
                                       out << "partial,";
                                       throw Error("row 3: bad value");
                                     }),
               Error);
  EXPECT_EQ(read_text(path), "old\n");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.csv"});
}

// A stream that failed while writing (a full disk sets badbit) must not become a short
// file at the path.
TEST(WriteFileAtomically, FailedStreamIsAWriteFailedError) {
  const std::string dir = testing_util::fresh_dir("atomic_write_fails");
  const std::string path = dir + "/out.csv";
  write_text(path, "old\n");
  try {
    write_file_atomically(path, [](std::ostream& out) {
      out << "a,b\n";
      out.setstate(std::ios::badbit);
    });
    FAIL() << "a failed stream should throw";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": write failed (disk full?)");
  }
  EXPECT_EQ(read_text(path), "old\n");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.csv"});
}

TEST(WriteFileAtomically, MissingFolderIsAnErrorNamingThePath) {
  const std::string dir = testing_util::fresh_dir("atomic_no_folder");
  const std::string path = dir + "/missing/out.csv";
  try {
    write_file_atomically(path, [](std::ostream& out) { out << "x\n"; });
    FAIL() << "a missing folder should throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": cannot create output file ("));
  }
  EXPECT_TRUE(entries(dir).empty());
}

// Streamed piece by piece, as predict and merge do: nothing at the path until commit().
TEST(AtomicOutputFile, StreamedContentAppearsOnlyAtCommit) {
  const std::string dir = testing_util::fresh_dir("atomic_stream");
  const std::string path = dir + "/predictions.csv";
  AtomicOutputFile out(path);
  EXPECT_EQ(out.path(), path);
  out.stream() << "smiles,logS\n";
  out.stream() << "CCO,0.5\n";
  EXPECT_FALSE(fs::exists(path));
  out.commit();
  EXPECT_EQ(read_text(path), "smiles,logS\nCCO,0.5\n");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"predictions.csv"});
}

TEST(AtomicOutputFile, DestroyedUncommittedRemovesTheTemporary) {
  const std::string dir = testing_util::fresh_dir("atomic_stream_abandon");
  {
    AtomicOutputFile out(dir + "/predictions.csv");
    out.stream() << "smiles,logS\n";
  }
  EXPECT_TRUE(entries(dir).empty());
}

}  // namespace
}  // namespace molprop::core

namespace molprop::core {
namespace {

// The pid of a process that has exited (and been reaped): no process has it now, unless
// the system reuses it at once, which the check below makes visible.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

// Issue 14: `.tmp.<pid>` files from killed runs were never reclaimed.
TEST(Reliability, StaleTemporariesOfDeadProcessesAreRemoved) {
  const std::string dir = testing_util::fresh_dir("atomic_stale");
  const std::string path = dir + "/out.h5";
  const pid_t dead = dead_pid();
  ASSERT_NE(::kill(dead, 0), 0) << "pid " << dead << " was reused at once";
  const std::string stale = path + ".tmp." + std::to_string(dead);
  const std::string live = path + ".tmp.1";  // pid 1 always exists
  const std::string other = dir + "/other.h5.tmp." + std::to_string(dead);
  const std::string not_a_temporary = path + ".tmp.notes";
  for (const auto& f : {stale, live, other, not_a_temporary}) std::ofstream(f) << "x";
  write_file_atomically(path, [](std::ostream& os) { os << "new"; });
  EXPECT_FALSE(std::filesystem::exists(stale)) << "a dead process's temporary of this output was kept";
  EXPECT_TRUE(std::filesystem::exists(live)) << "a live process's temporary was removed";
  EXPECT_TRUE(std::filesystem::exists(other)) << "another output's temporary was removed";
  EXPECT_TRUE(std::filesystem::exists(not_a_temporary));
  std::ifstream in(path);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "new");
}

}  // namespace
}  // namespace molprop::core
