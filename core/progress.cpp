#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace molprop::core {

std::string human_count(double value) {
  char buf[32];
  if (value >= 1e9) std::snprintf(buf, sizeof buf, "%.1fG", value / 1e9);
  else if (value >= 1e6)
    std::snprintf(buf, sizeof buf, "%.1fM", value / 1e6);
  else if (value >= 1e4)
    std::snprintf(buf, sizeof buf, "%.1fk", value / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.0f", value);
  return buf;
}

std::string human_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

Progress::Progress(std::string label, int64_t total, std::string unit, bool quiet)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), active_(!quiet && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(int64_t done, int64_t count, const std::string& extra) {
  done_ = done;
  count_ = count;
  extra_ = extra;
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (active_ && drawn_) {
    draw(true);
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
}

void Progress::draw(bool final) {
  const double t = elapsed_seconds();
  const double rate = t > 0 ? static_cast<double>(count_) / t : 0.0;
  std::string line = "\r" + label_ + " ";
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(frac * kWidth);
    line += "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3.0f%% ", frac * 100);
    line += pct;
    if (!final && frac > 0.001) line += "ETA " + human_duration(t / frac - t) + " ";
  }
  line += human_count(static_cast<double>(count_)) + " " + unit_ + ", " + human_count(rate) + " " + unit_ + "/s, " +
          human_duration(t);
  if (!extra_.empty()) line += ", " + extra_;
  line += "\033[K";  // clear what a longer previous line left behind
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace molprop::core
