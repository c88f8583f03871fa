#pragma once
// A full disk, for tests: runs a function in a forked child whose files may not grow past
// a limit (RLIMIT_FSIZE, with SIGXFSZ ignored, so that a write past it fails with EFBIG the
// way one on a full disk fails with ENOSPC). Works as root and in containers, where a
// tmpfs cannot be mounted; the child's outcome comes back to the test.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "core/check.h"

namespace molprop::testing_util {

struct ChildOutcome {
  bool exited = false;  // false: killed by a signal (a crash)
  int signal = 0;
  // 0: `fn` threw molprop::Error (its message below); 1: `fn` returned; 2: it threw
  // something else; 3: the limit could not be set (a broken test set-up, never a pass).
  int code = -1;
  std::string message;

  bool threw_error() const { return exited && code == 0; }
  std::string describe() const {
    if (!exited) return "the child died of signal " + std::to_string(signal);
    const char* what[] = {"molprop::Error", "no error", "an exception that is not a molprop::Error",
                          "setrlimit(RLIMIT_FSIZE) failed"};
    return std::string("the child ended with ") + (code >= 0 && code <= 3 ? what[code] : "an unknown code") +
           (message.empty() ? "" : ": " + message);
  }
};

inline ChildOutcome run_with_file_size_limit(rlim_t bytes, const std::function<void()>& fn) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{bytes, bytes};
    int code = 3;
    std::string message;
    if (::setrlimit(RLIMIT_FSIZE, &limit) == 0) {
      try {
        fn();
        code = 1;
      } catch (const Error& e) {
        code = 0;
        message = e.what();
      } catch (const std::exception& e) {
        code = 2;
        message = e.what();
      } catch (...) {
        code = 2;
      }
    }
    if (::write(fds[1], message.data(), message.size()) < 0) code = 2;
    ::close(fds[1]);
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildOutcome out;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.message.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return out;
  out.exited = WIFEXITED(status);
  out.code = out.exited ? WEXITSTATUS(status) : -1;
  out.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return out;
}

}  // namespace molprop::testing_util
