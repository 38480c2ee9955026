// Figures of a sweep or comparison, drawn as PNG and SVG beside sweep.csv by the Python script
// sweep/plot_sweep.py (matplotlib). The script is built into the binary and written into the
// folder as plots/plot_sweep.py before it runs there, so that the figures can be restyled and
// redrawn from the folder alone (`python3 plots/plot_sweep.py`).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xbarsim::sweep {

struct PlotReport {
  bool plotter_found = false;        // some python3 with matplotlib ran the script
  std::vector<std::string> figures;  // base names written (NAME.png and NAME.svg each)
  std::vector<std::string> errors;   // one line per figure (or run of the script) that failed
};

// The text of plots/plot_sweep.py.
std::string_view plot_script();

// The line printed when no python3 with matplotlib was found.
std::string plotter_missing_hint(const std::string& redo);

// Writes plots/plot_sweep.py into the sweep folder `dir` (which holds sweep.csv and sweep.json)
// and runs it there: with $XBARSIM_PYTHON when set, else with each `python3` on PATH in turn
// until one has matplotlib. Its output goes to plots/plot_sweep.log (removed when it succeeds).
PlotReport draw_figures(const std::filesystem::path& dir);

}  // namespace xbarsim::sweep
