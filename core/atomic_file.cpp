#include "core/atomic_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/check.h"

namespace molprop::core {

namespace {

// `<base>.tmp.<pid>` → pid, or 0 when `name` is not a temporary of `base`.
long temporary_pid(const std::string& name, const std::string& base) {
  const std::string prefix = base + ".tmp.";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return 0;
  long pid = 0;
  for (size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

}  // namespace

void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  const std::string base = p.filename().string();
  if (base.empty()) return;
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = temporary_pid(it->path().filename().string(), base);
    if (pid <= 0 || pid == ::getpid()) continue;
    // kill(pid, 0) probes without signalling; ESRCH: no such process. EPERM means a live
    // process of another user: its file is not ours to remove.
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove(it->path(), ec);
  }
}

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp." + std::to_string(::getpid())) {
  remove_stale_temporaries(path_);
}

AtomicFile::~AtomicFile() {
  // std::remove reports failure (no temporary was ever created) by its return value only.
  if (!committed_) std::remove(temp_path_.c_str());
}

void AtomicFile::commit() {
  MOLPROP_CHECK(!committed_, path_ << ": AtomicFile::commit called twice");
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp_path_.c_str());
    throw Error(path_ + ": cannot move the finished file into place (" + reason + ")");
  }
  committed_ = true;
}

AtomicOutputFile::AtomicOutputFile(std::string path) : file_(std::move(path)) {
  stream_.open(file_.temp_path(), std::ios::binary | std::ios::trunc);
  if (!stream_) throw Error(file_.path() + ": cannot create output file (" + std::strerror(errno) + ")");
}

void AtomicOutputFile::commit() {
  stream_.flush();
  stream_.close();  // sets failbit when the last write-back fails
  if (!stream_) {
    std::remove(file_.temp_path().c_str());
    throw Error(file_.path() + ": write failed (disk full?)");
  }
  file_.commit();
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  AtomicOutputFile out(path);
  write(out.stream());
  out.commit();
}

}  // namespace molprop::core
