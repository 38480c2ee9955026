#include "sweep/plot.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

#include "core/report.hpp"
#include "sweep/plot_sweep_py.hpp"  // generated from plot_sweep.py (cmake/EmbedText.cmake)
#include "sweep/process.hpp"

namespace xbarsim::sweep {
namespace {

// The script's exit status when matplotlib or numpy cannot be imported (see plot_sweep.py).
constexpr int kNoMatplotlib = 3;
constexpr int kNotStarted = 127;  // run_one: the program could not be started

std::vector<std::filesystem::path> interpreters() {
  if (const char* chosen = std::getenv("XBARSIM_PYTHON"); chosen != nullptr && *chosen != '\0') {
    return {chosen};
  }
  std::vector<std::filesystem::path> unique;  // /bin/python3 and /usr/bin/python3 are often one
  for (const auto& p : find_programs("python3")) {
    std::error_code ec;
    const auto real = std::filesystem::canonical(p, ec);
    bool seen = false;
    for (const auto& u : unique) seen = seen || (!ec && std::filesystem::canonical(u, ec) == real);
    if (!seen) unique.push_back(p);
  }
  return unique;
}

}  // namespace

std::string_view plot_script() { return plot_sweep_py(); }

std::string plotter_missing_hint(const std::string& redo) {
  return fmt::format(
      "plots: no python3 with matplotlib found, so only the CSVs were written; for PNG and SVG figures install it "
      "(apt-get install python3-matplotlib, or bash tools/install-deps.sh) and run `python3 plots/plot_sweep.py` "
      "in the folder, or {}",
      redo);
}

PlotReport draw_figures(const std::filesystem::path& dir) {
  PlotReport report;
  std::filesystem::create_directories(dir / "plots");
  write_file_atomic(dir / "plots" / "plot_sweep.py", std::string(plot_script()));
  const auto log = dir / "plots" / "plot_sweep.log";
  for (const auto& python : interpreters()) {
    const int rc = run_one({0, {python.string(), "plots/plot_sweep.py"}, log, dir});
    if (rc == kNoMatplotlib || rc == kNotStarted) continue;  // lacks matplotlib, or no such file: next
    report.plotter_found = true;
    std::ifstream in(log);
    std::string line;
    std::string last;
    while (std::getline(in, line)) {
      if (line.rfind("figure: ", 0) == 0) {
        report.figures.push_back(line.substr(8));
      } else if (line.rfind("plot_sweep.py: failed: ", 0) == 0) {
        report.errors.push_back("plots: " + line.substr(23));
      } else if (!line.empty()) {
        last = line;
      }
    }
    if (rc != 0 && report.errors.empty()) {
      report.errors.push_back(
          fmt::format("plots: python3 plots/plot_sweep.py failed (exit {}; see plots/plot_sweep.log): {}", rc,
                      last.empty() ? "(no output)" : last));
    }
    if (rc == 0) std::filesystem::remove(log);
    return report;
  }
  std::filesystem::remove(log);
  return report;
}

}  // namespace xbarsim::sweep
