#include "core/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

namespace xbarsim {

namespace {
std::string format_seconds(double s) {
  if (s < 0) s = 0;
  const long long total = std::llround(s);
  if (total >= 3600) return fmt::format("{}h{:02}m{:02}s", total / 3600, total / 60 % 60, total % 60);
  if (total >= 60) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}s", total);
}
}  // namespace

Progress::Progress(std::FILE* out, bool quiet)
    : out_(out), quiet_(quiet), terminal_(out != nullptr && isatty(fileno(out)) != 0) {}

void Progress::start(const std::string& label, std::uint64_t total) {
  label_ = label;
  total_ = total;
  start_ = std::chrono::steady_clock::now();
  last_draw_ = start_;
}

void Progress::update(std::uint64_t done) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::seconds(10);
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  draw(done, false);
}

void Progress::finish() {
  if (quiet_) return;
  draw(total_, true);
}

void Progress::draw(std::uint64_t done, bool final_line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    fmt::print(out_, "\r{} [{}{}] {:3.0f}% {}/{} {:.0f} img/s {} {}\x1b[K", label_,
               std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(kWidth - filled), '.'), frac * 100, done, total_, rate,
               final_line ? "took" : "ETA", format_seconds(final_line ? elapsed : eta));
    if (final_line) fmt::print(out_, "\n");
  } else if (!final_line) {
    fmt::print(out_, "{}: {:.0f}% ({}/{}), {:.0f} img/s, ETA {}\n", label_, frac * 100, done, total_, rate,
               format_seconds(eta));
  }
  std::fflush(out_);
}

}  // namespace xbarsim
