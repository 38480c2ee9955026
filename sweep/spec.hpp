// Sweep and compare specifications: which base experiment, which overrides, which points. A spec
// is parsed strictly (unknown keys are errors) and expands into an ordered list of points, each
// a list of `--set key.path=value` overrides for `xbarsim run`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace xbarsim::sweep {

// One value of an axis: the overrides it applies and the label that names it in sweep.csv,
// folder names and plots.
struct AxisValue {
  std::string label;
  std::vector<std::string> overrides;  // "key.path=YAML value"
  // Compare technologies only: the experiment this technology runs (empty: the spec's base) and
  // the name of its flow as the tables state it (e.g. "device-aware ex situ").
  std::filesystem::path base;
  std::string flow;
};

// One swept dimension: one or several key paths set together.
struct Axis {
  std::string name;               // column name in sweep.csv
  std::vector<std::string> keys;  // key paths it sets (a seed axis: exactly {"experiment.seed"})
  std::string where;              // "FILE:LINE: sweep.axes[i]" for messages
  std::vector<AxisValue> values;
};

// One point of a sweep: index in the full sweep (0-based, the sweep.csv row order).
// Point::value_of of an axis a reference point has no value on.
inline constexpr std::size_t kNoValue = static_cast<std::size_t>(-1);

struct Point {
  std::size_t index = 0;
  std::string name;                    // folder name under points/
  std::vector<std::string> labels;     // one per axis
  std::vector<std::size_t> value_of;   // index into axes[a].values, one per axis (or kNoValue)
  std::vector<std::string> overrides;  // common overrides, then each axis's, in axis order
  std::filesystem::path base;          // the experiment file it runs (absolute)
  bool reference = false;              // a point of the compare's reference experiment
};

// A compare's reference experiment (the fp32 network): run once per seed, its accuracy the
// yardstick of the margin warnings and of the iso-accuracy target. Its points carry the
// reference's name in the technology column and no label on the other axes but the seed.
struct Reference {
  std::string name = "fp32";
  std::filesystem::path base;          // absolute
  std::vector<std::string> overrides;  // reference.set (compare.set does not apply)
};

struct SweepSpec {
  std::string kind = "sweep";       // "sweep" or "compare"
  std::string name;                 // default: the file's stem
  std::filesystem::path file;       // the spec file
  std::filesystem::path base;       // absolute path of the base experiment
  std::string mode = "product";     // product | zip
  std::vector<std::string> common;  // overrides applied to every point (sweep.set)
  std::vector<Axis> axes;
  // Compare only. Axes are then: technology, compare.axes..., seed (when compare.seeds).
  std::optional<Reference> reference;
  double accuracy_margin_pct = 1.5;   // warn when a mean accuracy is more than this below the reference
  double iso_target_below_pct = 1.0;  // iso-accuracy target: the reference's mean accuracy minus this

  // The seed axis (keys == {"experiment.seed"}), if any.
  std::optional<std::size_t> seed_axis() const;

  // Every point, in order: the reference's (one per seed) first, then product mode varies the
  // last axis fastest; zip mode takes the i-th value of every axis. Throws ConfigError for
  // duplicate point names.
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
