// Sweep and compare specifications: which base experiment, which overrides, which points. A spec
// is parsed strictly (unknown keys are errors) and expands into an ordered list of points, each
// a list of `--set key.path=value` overrides for `xbarsim run`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace xbarsim::sweep {

// One value of an axis: the overrides it applies and the label that names it in sweep.csv,
// folder names and plots.
struct AxisValue {
  std::string label;
  std::vector<std::string> overrides;  // "key.path=YAML value"
};

// One swept dimension: one or several key paths set together.
struct Axis {
  std::string name;               // column name in sweep.csv
  std::vector<std::string> keys;  // key paths it sets
  std::string where;              // "FILE:LINE: sweep.axes[i]" for messages
  std::vector<AxisValue> values;
};

// One point of a sweep: index in the full sweep (0-based, the sweep.csv row order).
struct Point {
  std::size_t index = 0;
  std::string name;                    // folder name under points/
  std::vector<std::string> labels;     // one per axis
  std::vector<std::size_t> value_of;   // index into axes[a].values, one per axis
  std::vector<std::string> overrides;  // common overrides, then each axis's, in axis order
};

struct SweepSpec {
  std::string kind = "sweep";       // "sweep" or "compare"
  std::string name;                 // default: the file's stem
  std::filesystem::path file;       // the spec file
  std::filesystem::path base;       // absolute path of the base experiment
  std::string mode = "product";     // product | zip
  std::vector<std::string> common;  // overrides applied to every point (sweep.set)
  std::vector<Axis> axes;

  // Every point, in order: product mode varies the last axis fastest; zip mode takes the i-th
  // value of every axis. Throws ConfigError for duplicate point names.
  std::vector<Point> points() const;
};

// Parses a sweep file (top-level section `sweep:`). Throws ConfigError (one line).
SweepSpec parse_sweep(const std::filesystem::path& file);

// Parses a compare file (top-level section `compare:`): a sweep with one axis, `technology`.
SweepSpec parse_compare(const std::filesystem::path& file);

// The overrides that replace the whole section `section` (e.g. "device") by the section of the
// same name in `card` (a card file such as configs/devices/pcm.yaml, its own includes resolved).
std::string card_override(const std::string& section, const std::filesystem::path& card);

// A point folder name from labels: "name=label" joined by "_", restricted to [A-Za-z0-9._=+-];
// long names are shortened and suffixed with a hash.
std::string point_name(const std::vector<std::string>& axis_names, const std::vector<std::string>& labels);

// "K/N" -> {K, N} with 1 <= K <= N. Throws UsageError.
std::pair<int, int> parse_shard(const std::string& text);

// The manifest written to DIR/sweep.json: the spec and the full list of points.
nlohmann::ordered_json manifest(const SweepSpec& spec, const std::vector<Point>& points);

}  // namespace xbarsim::sweep
