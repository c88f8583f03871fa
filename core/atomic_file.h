#pragma once
// Atomic file writes: readers of a path see the old file or the complete new one, never
// half of either, and a failed write leaves the old file as it was.
//
// The content goes to a temporary file `<path>.tmp.<pid>` in the same folder (so that the
// final rename(2) stays within one file system and is atomic); commit() renames it over
// `path`. Until then the temporary is removed on every way out: commit() failing, an
// exception while writing, or the object going out of scope uncommitted.
//
//   core::AtomicFile out(path);            // a writer that opens files itself (HDF5, torch)
//   H5::H5File file(out.temp_path(), H5F_ACC_TRUNC);
//   ...                                    // write, then close every handle
//   out.commit();
//
//   core::write_file_atomically(path, [&](std::ostream& os) { os << text; });  // text
#include <fstream>
#include <functional>
#include <ostream>
#include <string>

namespace molprop::core {

// Removes the temporaries `<path>.tmp.<pid>` that processes which no longer exist (a
// `kill -9`, a crash) left beside `path`. Temporaries of live processes and every other
// file are kept. Never throws. AtomicFile's constructor calls it for its own path.
void remove_stale_temporaries(const std::string& path);

class AtomicFile {
 public:
  // Also reclaims the stale temporaries of `path` (remove_stale_temporaries).
  explicit AtomicFile(std::string path);
  // Without commit(): removes the temporary file (if it was created). Never throws.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }            // the final path
  const std::string& temp_path() const { return temp_path_; }  // `<path>.tmp.<pid>`
  bool committed() const { return committed_; }

  // Renames the temporary file over path(). Whatever wrote the temporary must have closed
  // it. On failure removes the temporary and throws molprop::Error
  // "<path>: cannot move the finished file into place (<strerror>)".
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

// An output file stream on an AtomicFile's temporary, for outputs written piece by piece
// (a CSV streamed row by row). commit() flushes and closes the stream, checks it, then
// renames; a stream that failed at any point (a full disk) throws instead of leaving a
// short file.
class AtomicOutputFile {
 public:
  // Throws molprop::Error "<path>: cannot create output file (<strerror>)".
  explicit AtomicOutputFile(std::string path);
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  std::ostream& stream() { return stream_; }
  const std::string& path() const { return file_.path(); }

  // Throws molprop::Error "<path>: write failed (disk full?)" when the stream failed, or
  // AtomicFile::commit's error; the temporary is removed either way.
  void commit();

 private:
  AtomicFile file_;  // declared first: destroyed after the stream is closed
  std::ofstream stream_;
};

// Writes a whole file at once: `write` fills the stream, then AtomicOutputFile::commit().
// An exception from `write` propagates and leaves the old file untouched.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace molprop::core
