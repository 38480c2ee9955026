#include "sweep/spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/error.hpp"
#include "core/params.hpp"

namespace xbarsim::sweep {
namespace {

// Marks `key` of `p` as read so that check_all_read() accepts it, for values of any YAML type
// (axis values, `set:` entries) that no typed accessor of Params reads. The value itself is
// taken from the raw document. Params marks a key as read as soon as it finds it, before any
// type check (tests/unit/sweep/spec_test.cpp pins this behaviour down).
void touch(const Params& p, const std::string& key) {
  try {
    (void)p.real_list(key);
  } catch (const ConfigError&) {
  }
}

// touch() for a value that may be a map: marks every key below it as read too.
void touch_tree(const Params& p, const std::string& key, const YAML::Node& raw) {
  if (raw.IsMap()) {
    const Params c = p.child(key);
    for (const std::string& k : c.keys()) touch_tree(c, k, raw[k]);
  } else {
    touch(p, key);
  }
}

// A YAML value as it would be written after `--set key=`: flow style, one line.
std::string flow(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

std::string last_segment(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

std::filesystem::path absolute_normal(const std::filesystem::path& p) {
  return std::filesystem::absolute(p).lexically_normal();
}

// Reads `set:` (a map from key path to any YAML value) into overrides.
void read_set(const Params& owner, const YAML::Node& raw_owner, std::vector<std::string>& out) {
  const auto set = owner.child_if("set");
  if (!set) return;
  const YAML::Node raw = raw_owner["set"];
  for (const std::string& k : set->keys()) {
    const YAML::Node v = raw[k];
    if (!v.IsDefined() || v.IsNull()) set->fail(k, "a value");
    touch_tree(*set, k, v);
    out.push_back(k + "=" + flow(v));
  }
}

std::filesystem::path existing_file(const Params& p, const std::string& key, const std::string& what) {
  const std::filesystem::path f = p.file_path(key, /*relative_to_file=*/true);
  if (!std::filesystem::is_regular_file(f)) p.fail(key, fmt::format("{} (no such file: {})", what, f.string()));
  return absolute_normal(f);
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

Axis parse_axis(const Params& ax, const YAML::Node& raw, const std::filesystem::path& file) {
  Axis axis;
  axis.where = fmt::format("{}: {}", ax.where(), ax.path());
  const bool one = ax.has("key");
  const bool many = ax.has("keys");
  if (one == many) {
    throw ConfigError(
        fmt::format("{}: expected exactly one of 'key' (a key path) or 'keys' (a list of key paths)", axis.where));
  }
  if (one) {
    axis.keys.push_back(ax.string("key"));
  } else {
    touch(ax, "keys");
    const YAML::Node ks = raw["keys"];
    if (!ks.IsSequence() || ks.size() < 2) ax.fail("keys", "a list of at least two key paths");
    for (const auto& k : ks) {
      if (!k.IsScalar() || k.Scalar().empty()) ax.fail("keys", "a list of key paths");
      axis.keys.push_back(k.Scalar());
    }
  }
  axis.name = ax.string_or("name", fmt::format("{}", fmt::join(axis.keys, "+")));

  touch(ax, "values");
  const YAML::Node vs = raw["values"];
  if (!vs.IsDefined() || !vs.IsSequence() || vs.size() == 0) ax.fail("values", "a non-empty list of values");
  std::vector<std::string> labels;
  if (ax.has("labels")) {
    touch(ax, "labels");
    const YAML::Node ls = raw["labels"];
    if (!ls.IsSequence() || ls.size() != vs.size()) {
      ax.fail("labels", fmt::format("a list of {} labels, one per value", vs.size()));
    }
    for (const auto& l : ls) {
      if (!l.IsScalar() || l.Scalar().empty()) ax.fail("labels", "a list of non-empty labels");
      labels.push_back(l.Scalar());
    }
  }

  // A card axis: `key: device.include`, values are card files (relative to the sweep file).
  const bool card = axis.keys.size() == 1 && last_segment(axis.keys[0]) == "include" && axis.keys[0] != "include";
  for (std::size_t i = 0; i < vs.size(); ++i) {
    const YAML::Node v = vs[i];
    AxisValue value;
    if (v.IsNull()) {
      throw ConfigError(fmt::format("{}.values[{}]: expected a value, got nothing", axis.where, i));
    }
    if (card) {
      if (!v.IsScalar()) {
        throw ConfigError(fmt::format("{}.values[{}]: expected the path of a card file", axis.where, i));
      }
      std::filesystem::path p = v.Scalar();
      if (p.is_relative()) p = file.parent_path() / p;
      const std::string section = axis.keys[0].substr(0, axis.keys[0].size() - std::string(".include").size());
      try {
        value.overrides.push_back(card_override(section, absolute_normal(p)));
      } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("{} ({}): value '{}': {}", axis.where, axis.name, v.Scalar(), e.what()));
      }
      value.label = std::filesystem::path(v.Scalar()).stem().string();
    } else if (axis.keys.size() == 1) {
      value.overrides.push_back(axis.keys[0] + "=" + flow(v));
      value.label = v.IsScalar() ? v.Scalar() : flow(v);
    } else if (v.IsScalar()) {
      for (const auto& k : axis.keys) value.overrides.push_back(k + "=" + flow(v));
      value.label = v.Scalar();
    } else if (v.IsSequence() && v.size() == axis.keys.size()) {
      std::vector<std::string> parts;
      for (std::size_t k = 0; k < axis.keys.size(); ++k) {
        value.overrides.push_back(axis.keys[k] + "=" + flow(v[k]));
        parts.push_back(v[k].IsScalar() ? v[k].Scalar() : flow(v[k]));
      }
      value.label = fmt::format("{}", fmt::join(parts, "x"));
    } else {
      throw ConfigError(
          fmt::format("{}.values[{}]: expected a scalar (set on every key) or a list of {} values "
                      "(one per key), got {}",
                      axis.where, i, axis.keys.size(), flow(v)));
    }
    if (!labels.empty()) value.label = labels[i];
    axis.values.push_back(std::move(value));
  }
  return axis;
}

void check_spec(const SweepSpec& spec, const std::string& where) {
  std::set<std::string> names;
  for (const auto& a : spec.axes) {
    if (!names.insert(a.name).second) {
      throw ConfigError(fmt::format("{}: two axes are named '{}' (give one a different 'name')", a.where, a.name));
    }
    std::set<std::string> labels;
    for (const auto& v : a.values) {
      if (!labels.insert(v.label).second) {
        throw ConfigError(fmt::format("{} ({}): value label '{}' appears twice (values must differ; give 'labels')",
                                      a.where, a.name, v.label));
      }
    }
  }
  if (spec.mode == "zip") {
    for (const auto& a : spec.axes) {
      if (a.values.size() != spec.axes.front().values.size()) {
        throw ConfigError(fmt::format("{} ({}): zip mode needs every axis to have {} values (as the first), got {}",
                                      a.where, a.name, spec.axes.front().values.size(), a.values.size()));
      }
    }
  }
  (void)where;
}

}  // namespace

std::string card_override(const std::string& section, const std::filesystem::path& card) {
  const Params c = Params::from_file(card);
  const std::string key = last_segment(section);
  const YAML::Node root = YAML::Load(c.resolved_yaml());
  const YAML::Node s = root[key];
  if (!s.IsDefined() || !s.IsMap()) {
    throw ConfigError(fmt::format("{}: has no top-level '{}:' section", card.string(), key));
  }
  return section + "=" + flow(s);
}

std::string point_name(const std::vector<std::string>& axis_names, const std::vector<std::string>& labels) {
  // Short axis names (last key segment) unless two axes would share one.
  std::vector<std::string> shorts;
  shorts.reserve(axis_names.size());
  for (const auto& n : axis_names) shorts.push_back(last_segment(n));
  const bool unique = std::set<std::string>(shorts.begin(), shorts.end()).size() == shorts.size();
  std::string out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!out.empty()) out += '_';
    out += (unique ? shorts[i] : axis_names[i]) + "=" + labels[i];
  }
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '=' || c == '+' || c == '-';
    if (!ok) c = '-';
  }
  if (out.size() > 100) out = fmt::format("{}-{:016x}", out.substr(0, 80), fnv1a(out));
  return out;
}

std::optional<std::size_t> SweepSpec::seed_axis() const {
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (axes[a].keys == std::vector<std::string>{"experiment.seed"}) return a;
  }
  return std::nullopt;
}

std::vector<Point> SweepSpec::points() const {
  std::vector<Point> out;
  std::vector<std::string> names;
  for (const auto& a : axes) names.push_back(a.name);
  std::set<std::string> seen;
  if (reference) {
    // One point per seed (one point without a seed axis), named by the axes it has labels on.
    const auto sa = seed_axis();
    const std::size_t n = sa ? axes[*sa].values.size() : 1;
    for (std::size_t s = 0; s < n; ++s) {
      Point p;
      p.index = out.size();
      p.reference = true;
      p.base = reference->base;
      p.overrides = reference->overrides;
      p.value_of.assign(axes.size(), kNoValue);
      p.labels.assign(axes.size(), "");
      p.labels[0] = reference->name;
      std::vector<std::string> named = {names[0]};
      std::vector<std::string> labels = {reference->name};
      if (sa) {
        const AxisValue& v = axes[*sa].values[s];
        p.value_of[*sa] = s;
        p.labels[*sa] = v.label;
        p.overrides.insert(p.overrides.end(), v.overrides.begin(), v.overrides.end());
        named.push_back(names[*sa]);
        labels.push_back(v.label);
      }
      p.name = point_name(named, labels);
      seen.insert(p.name);
      out.push_back(std::move(p));
    }
  }
  const std::size_t first = out.size();
  std::size_t total = 1;
  if (mode == "zip") {
    total = axes.empty() ? 0 : axes.front().values.size();
  } else {
    for (const auto& a : axes) total *= a.values.size();
  }
  for (std::size_t i = 0; i < total; ++i) {
    Point p;
    p.index = first + i;
    p.base = base;
    p.overrides = common;
    std::size_t rest = i;
    p.value_of.assign(axes.size(), 0);
    for (std::size_t a = axes.size(); a-- > 0;) {
      if (mode == "zip") {
        p.value_of[a] = i;
      } else {
        p.value_of[a] = rest % axes[a].values.size();
        rest /= axes[a].values.size();
      }
    }
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const AxisValue& v = axes[a].values[p.value_of[a]];
      p.labels.push_back(v.label);
      p.overrides.insert(p.overrides.end(), v.overrides.begin(), v.overrides.end());
      if (!v.base.empty()) p.base = v.base;
    }
    p.name = point_name(names, p.labels);
    if (!seen.insert(p.name).second) {
      throw ConfigError(
          fmt::format("{}: two points are both named '{}' (give the axes distinct labels)", file.string(), p.name));
    }
    out.push_back(std::move(p));
  }
  return out;
}

SweepSpec parse_sweep(const std::filesystem::path& file) {
  const Params root = Params::from_file(file);
  const YAML::Node raw = YAML::Load(root.resolved_yaml());
  const Params s = root.child("sweep");
  SweepSpec spec;
  spec.kind = "sweep";
  spec.file = file;
  spec.name = s.string_or("name", file.stem().string());
  spec.base = existing_file(s, "base", "an experiment file");
  spec.mode = s.choice_or("mode", {"product", "zip"}, "product");
  read_set(s, raw["sweep"], spec.common);
  const auto axes = s.child_list("axes");
  for (std::size_t i = 0; i < axes.size(); ++i) {
    spec.axes.push_back(parse_axis(axes[i], raw["sweep"]["axes"][i], file));
  }
  root.check_all_read();
  check_spec(spec, s.where());
  return spec;
}

SweepSpec parse_compare(const std::filesystem::path& file) {
  const Params root = Params::from_file(file);
  const YAML::Node raw = YAML::Load(root.resolved_yaml());
  const Params c = root.child("compare");
  SweepSpec spec;
  spec.kind = "compare";
  spec.file = file;
  spec.name = c.string_or("name", file.stem().string());
  if (c.has("base")) spec.base = existing_file(c, "base", "an experiment file");
  spec.mode = "product";
  read_set(c, raw["compare"], spec.common);
  spec.accuracy_margin_pct = c.real_or("accuracy_margin_pct", 1.5, 0.0, 100.0);
  spec.iso_target_below_pct = c.real_or("accuracy_target_below_reference_pct", 1.0, 0.0, 100.0);
  if (const auto r = c.child_if("reference")) {
    Reference ref;
    ref.base = existing_file(*r, "base", "an experiment file (the fp32 reference)");
    ref.name = r->string_or("name", "fp32");
    read_set(*r, raw["compare"]["reference"], ref.overrides);
    spec.reference = std::move(ref);
  }

  Axis axis;
  axis.name = "technology";
  axis.keys = {"device"};
  if (c.has("technologies")) {
    const auto techs = c.child_list("technologies");
    axis.where = fmt::format("{}: compare.technologies", techs.front().where());
    for (std::size_t i = 0; i < techs.size(); ++i) {
      const Params& t = techs[i];
      AxisValue v;
      v.label = t.string("name");
      if (t.has("flow")) v.flow = t.string("flow");
      if (t.has("base")) v.base = existing_file(t, "base", "an experiment file (this technology's flow)");
      if (t.has("device")) {
        const std::filesystem::path card = existing_file(t, "device", "a device card file");
        v.overrides.push_back(card_override("device", card));
      }
      read_set(t, raw["compare"]["technologies"][i], v.overrides);
      if (v.overrides.empty() && v.base.empty()) {
        throw ConfigError(
            fmt::format("{}: {}: expected 'base' (an experiment file), 'device' (a card file) and/or "
                        "'set' (overrides)",
                        t.where(), t.path()));
      }
      if (spec.reference && v.label == spec.reference->name) {
        throw ConfigError(fmt::format("{}: {}.name: '{}' is the reference's name (give one of them another name)",
                                      t.where(), t.path(), v.label));
      }
      axis.values.push_back(std::move(v));
    }
  } else {
    // Default: DW 5-state, MTJ ternary and PCM cards from configs/devices/ beside the base's folder.
    axis.where = fmt::format("{}: compare", c.where());
    if (spec.base.empty()) c.fail("base", "an experiment file (the three default technologies run on it)");
    const std::filesystem::path devices = spec.base.parent_path().parent_path() / "devices";
    const std::vector<std::pair<std::string, std::string>> defaults = {
        {"DW 5-state", "dw_5state.yaml"}, {"MTJ ternary", "mtj_ternary.yaml"}, {"PCM", "pcm.yaml"}};
    for (const auto& [label, card] : defaults) {
      if (!std::filesystem::is_regular_file(devices / card)) {
        throw ConfigError(fmt::format("{}: no 'technologies' given and the default card {} does not exist", axis.where,
                                      (devices / card).string()));
      }
      axis.values.push_back({label, {card_override("device", absolute_normal(devices / card))}, {}, {}});
    }
  }
  // Without compare.base every technology names its own experiment; the first one stands for
  // the base in the manifest and in the check of compare.set.
  if (spec.base.empty()) {
    const auto own =
        std::find_if(axis.values.begin(), axis.values.end(), [](const AxisValue& v) { return v.base.empty(); });
    if (axis.values.empty() || own != axis.values.end()) {
      c.fail("base", own == axis.values.end()
                         ? "an experiment file"
                         : fmt::format("an experiment file (technology '{}' has no 'base')", own->label));
    }
    spec.base = axis.values.front().base;
  }
  spec.axes.push_back(std::move(axis));
  if (c.has("axes")) {
    const auto axes = c.child_list("axes");
    for (std::size_t i = 0; i < axes.size(); ++i) {
      spec.axes.push_back(parse_axis(axes[i], raw["compare"]["axes"][i], file));
      if (spec.axes.back().keys == std::vector<std::string>{"experiment.seed"}) {
        throw ConfigError(fmt::format("{}: give the seeds as compare.seeds (they are averaged), not as an axis",
                                      spec.axes.back().where));
      }
    }
  }
  if (c.has("seeds")) {
    Axis seeds;
    seeds.name = "seed";
    seeds.keys = {"experiment.seed"};
    seeds.where = fmt::format("{}: compare.seeds", c.where());
    for (const std::int64_t s : c.integer_list("seeds", 0)) {
      seeds.values.push_back({std::to_string(s), {fmt::format("experiment.seed={}", s)}, {}, {}});
    }
    spec.axes.push_back(std::move(seeds));
  }
  root.check_all_read();
  check_spec(spec, c.where());
  return spec;
}

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  int k = 0;
  int n = 0;
  bool ok = slash != std::string::npos;
  if (ok) {
    const auto r1 = std::from_chars(text.data(), text.data() + slash, k);
    const auto r2 = std::from_chars(text.data() + slash + 1, text.data() + text.size(), n);
    ok = r1.ec == std::errc() && r1.ptr == text.data() + slash && r2.ec == std::errc() &&
         r2.ptr == text.data() + text.size() && n >= 1 && k >= 1 && k <= n;
  }
  if (!ok) throw UsageError(fmt::format("--shard {}: expected K/N with 1 <= K <= N (e.g. 2/8)", text));
  return {k, n};
}

nlohmann::ordered_json manifest(const SweepSpec& spec, const std::vector<Point>& points) {
  nlohmann::ordered_json m;
  m["kind"] = spec.kind;
  m["name"] = spec.name;
  m["spec_file"] = absolute_normal(spec.file).string();
  m["base"] = spec.base.string();
  m["mode"] = spec.mode;
  m["common"] = spec.common;
  m["axes"] = nlohmann::ordered_json::array();
  for (const auto& a : spec.axes) {
    nlohmann::ordered_json labels = nlohmann::ordered_json::array();
    for (const auto& v : a.values) labels.push_back(v.label);
    nlohmann::ordered_json axis = {{"name", a.name}, {"keys", a.keys}, {"labels", labels}};
    // A technology's own experiment and flow (compare), beside its label.
    if (std::any_of(a.values.begin(), a.values.end(), [](const AxisValue& v) { return !v.flow.empty(); })) {
      nlohmann::ordered_json flows = nlohmann::ordered_json::array();
      for (const auto& v : a.values) flows.push_back(v.flow);
      axis["flows"] = flows;
    }
    m["axes"].push_back(axis);
  }
  if (spec.kind == "compare") {
    m["accuracy_margin_pct"] = spec.accuracy_margin_pct;
    m["accuracy_target_below_reference_pct"] = spec.iso_target_below_pct;
    if (spec.reference) {
      m["reference"] = {
          {"axis", spec.axes.front().name}, {"label", spec.reference->name}, {"base", spec.reference->base.string()}};
    }
  }
  m["points"] = nlohmann::ordered_json::array();
  for (const auto& p : points) {
    nlohmann::ordered_json j = {{"index", p.index}, {"name", p.name}, {"labels", p.labels}, {"overrides", p.overrides}};
    // Only where it differs from the spec's base (a plain sweep's manifest keeps its old form).
    if (p.base != spec.base) j["base"] = p.base.string();
    if (p.reference) j["reference"] = true;
    m["points"].push_back(j);
  }
  return m;
}

}  // namespace xbarsim::sweep
