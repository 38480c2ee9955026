// Figures of a sweep or comparison, drawn by gnuplot as PNG and SVG beside the CSVs: each metric
// against each numeric axis (one line per combination of the other axes), the Pareto front of
// energy against accuracy, and the energy breakdown as stacked bars. The data and the gnuplot
// script of every figure are kept in plots/ so that a figure can be restyled by hand.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sweep/table.hpp"

namespace xbarsim::sweep {

struct PlotReport {
  bool gnuplot_found = false;
  std::vector<std::string> figures;  // base names written (NAME.png and NAME.svg each)
  std::vector<std::string> errors;   // one line per figure that gnuplot failed to draw
};

// The line printed when gnuplot is missing.
std::string gnuplot_missing_hint(const std::string& redo);

// Draws the figures of `table` (sweep.csv) into `dir`. `axis_names` are the table's axis
// columns; in "zip" mode only the first numeric axis is used as an x axis.
PlotReport plot_table(const std::filesystem::path& dir, const Table& table, const std::vector<std::string>& axis_names,
                      const std::string& mode);

}  // namespace xbarsim::sweep
