#include "core/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "core/check.h"

namespace molprop::core {

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp." + std::to_string(::getpid())) {}

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
