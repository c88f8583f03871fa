#pragma once
// A progress line on stderr: done/total, percentage, rate and ETA, redrawn in place at
// most a few times a second. Silent when stderr is not a terminal or when quiet.
#include <chrono>
#include <cstdint>
#include <string>

namespace molprop::core {

class Progress {
 public:
  // `total` may be 0 when unknown (then no percentage or ETA). `unit` names what is
  // counted in the rate ("mol").
  Progress(std::string label, int64_t total, std::string unit, bool quiet);
  ~Progress();  // ends the line if anything was drawn

  // Sets the absolute progress `done` (in units of `total`) and the count shown in the
  // rate (e.g. bytes for the bar, molecules for the rate).
  void update(int64_t done, int64_t count, const std::string& extra = "");
  void finish();
  double elapsed_seconds() const;

  // True when progress lines would be drawn (stderr is a TTY and not quiet).
  bool active() const { return active_; }

 private:
  void draw(bool final);
  std::string label_, unit_, extra_;
  int64_t total_ = 0, done_ = 0, count_ = 0;
  bool active_ = false, drawn_ = false, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1.2k", "3.4M": compact counts for progress lines and summaries.
std::string human_count(double value);
// "1m05s", "2h03m"
std::string human_duration(double seconds);

}  // namespace molprop::core
