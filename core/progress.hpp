// Progress of a long run: a bar with rate and ETA on a terminal, plain lines otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace xbarsim {

class Progress {
 public:
  // `out` is usually stderr; the bar is drawn only when it is a terminal. `quiet` prints nothing.
  Progress(std::FILE* out, bool quiet);

  // Starts a phase of `total` units (images); `label` says what it is ("epoch 3/10 train").
  void start(const std::string& label, std::uint64_t total);
  // `done` units of the current phase are finished. Cheap: redraws at most every 100 ms
  // (terminal) or 10 s (plain lines).
  void update(std::uint64_t done);
  // Ends the phase (draws 100 %).
  void finish();

 private:
  void draw(std::uint64_t done, bool final_line);

  std::FILE* out_;
  bool quiet_;
  bool terminal_;
  std::string label_;
  std::uint64_t total_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace xbarsim
