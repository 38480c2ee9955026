#include "core/params.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "core/error.hpp"
#include "core/strict_yaml.hpp"

namespace xbarsim {

struct Params::Document {
  std::string origin;          // file name as given, or a label
  std::filesystem::path file;  // empty when parsed from a string
  YAML::Node root;
  std::set<std::string, std::less<>> touched;     // key paths read by some accessor
  std::set<std::string, std::less<>> overridden;  // key paths set from the command line
  // Key path of a value -> the code locations that read it (readers_of).
  std::map<std::string, std::vector<std::string>, std::less<>> readers;
  // Key path -> file its subtree came from (`include:`); the longest matching prefix wins.
  std::map<std::string, std::string, std::less<>> file_of_path;

  const std::string& file_of(std::string_view path) const {
    const std::string* best = &origin;
    std::size_t best_len = 0;
    for (const auto& [prefix, file] : file_of_path) {
      const bool under = path.size() >= prefix.size() && path.substr(0, prefix.size()) == prefix &&
                         (path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[');
      if (under && prefix.size() >= best_len) {
        best = &file;
        best_len = prefix.size();
      }
    }
    return *best;
  }
};

namespace {

// Finds `key` in a map node without inserting it (non-const operator[] would insert).
bool find_key(const YAML::Node& map, std::string_view key, YAML::Node* key_node, YAML::Node* value) {
  if (!map.IsMap()) return false;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (key_node != nullptr) *key_node = it->first;
      if (value != nullptr) *value = it->second;
      return true;
    }
  }
  return false;
}

std::string describe_node(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsScalar()) return fmt::format("'{}'", n.Scalar());
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  return "an unknown node";
}

std::string range_text(double min, double max) {
  const bool has_min = min > -std::numeric_limits<double>::infinity();
  const bool has_max = max < std::numeric_limits<double>::infinity();
  if (has_min && has_max) return fmt::format(" in [{:g}, {:g}]", min, max);
  if (has_min) return fmt::format(" >= {:g}", min);
  if (has_max) return fmt::format(" <= {:g}", max);
  return "";
}

// Whether a 32-bit float holds `v` without overflowing to infinity or flushing to zero: models
// keep conductances, scales and optimizer constants as float, so every number read is held to
// this range (0, or 1.2e-38 to 3.4e38 in magnitude; no physical quantity in SI units leaves it).
bool fits_float(double v) {
  const double a = std::fabs(v);
  return a == 0.0 || (a >= std::numeric_limits<float>::min() && a <= std::numeric_limits<float>::max());
}
constexpr const char* kFloatRange = "outside the range of a 32-bit float: 0, or 1.2e-38 to 3.4e38 in magnitude";

std::string range_text_int(std::int64_t min, std::int64_t max) {
  const bool has_min = min > std::numeric_limits<std::int64_t>::min();
  const bool has_max = max < std::numeric_limits<std::int64_t>::max();
  if (has_min && has_max) return fmt::format(" in [{}, {}]", min, max);
  if (has_min) return fmt::format(" >= {}", min);
  if (has_max) return fmt::format(" <= {}", max);
  return "";
}

std::optional<std::int64_t> parse_int(const std::string& s) {
  std::int64_t v = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  const auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || b == e) return std::nullopt;
  return v;
}

YAML::Node load_yaml_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) {
    throw ConfigError(fmt::format("{}: no such configuration file", name));
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw ConfigError(fmt::format("{}: not a regular file (expected a YAML configuration file)", name));
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in || in.bad()) {
    throw ConfigError(fmt::format("{}: cannot read: {}", name, std::generic_category().message(errno)));
  }
  return load_strict_yaml(text.str(), name);
}

}  // namespace

// Replaces every section `key: {include: FILE, ...}` under `map` by FILE's own `key:` section
// with the local keys laid over it (a shallow override), recursively, and records which file
// each subtree came from so that messages name the right file and line.
static void resolve_includes(YAML::Node map, const std::string& path, const std::filesystem::path& file,
                             std::map<std::string, std::string, std::less<>>& file_of_path, int depth) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.Scalar();
    const std::string p = path.empty() ? key : path + "." + key;
    YAML::Node value = it->second;
    if (!value.IsMap()) continue;
    YAML::Node include;
    if (find_key(value, "include", nullptr, &include)) {
      if (!include.IsScalar() || depth > 8) {
        throw ConfigError(fmt::format("{}:{}: {}.include: expected the path of a card file{}", file.string(),
                                      include.Mark().line + 1, p, depth > 8 ? " (includes nested too deep)" : ""));
      }
      std::filesystem::path inc = include.Scalar();
      if (inc.is_relative()) inc = file.parent_path() / inc;
      const YAML::Node inc_root = load_yaml_file(inc);
      YAML::Node section;
      if (!find_key(inc_root, key, nullptr, &section) || !section.IsMap()) {
        throw ConfigError(fmt::format("{}:{}: {}.include: {} has no top-level '{}:' section", file.string(),
                                      include.Mark().line + 1, p, inc.string(), key));
      }
      YAML::Node merged = section;  // freshly loaded, ours alone (Clone would drop line marks)
      resolve_includes(merged, p, inc, file_of_path, depth + 1);  // the card's own includes
      file_of_path[p] = inc.string();
      for (auto local = value.begin(); local != value.end(); ++local) {
        const std::string lk = local->first.Scalar();
        if (lk == "include") continue;
        merged[lk] = local->second;
        file_of_path[p + "." + lk] = file.string();
      }
      map[key] = merged;
    } else {
      resolve_includes(value, p, file, file_of_path, depth);
    }
  }
}

Params::Params(std::shared_ptr<Document> doc, const YAML::Node& node, std::string path)
    : doc_(std::move(doc)), node_(node), path_(std::move(path)) {}

Params Params::from_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  YAML::Node root = load_yaml_file(file);
  if (!root.IsMap()) {
    throw ConfigError(fmt::format("{}:1: expected a YAML map of sections at the top level", name));
  }
  auto doc = std::make_shared<Document>();
  resolve_includes(root, "", file, doc->file_of_path, 0);
  doc->origin = name;
  doc->file = file;
  doc->root = root;
  return Params(doc, root, "");
}

Params Params::from_string(const std::string& text, const std::string& origin) {
  YAML::Node root = load_strict_yaml(text, origin);
  if (!root.IsMap()) {
    throw ConfigError(fmt::format("{}:1: expected a YAML map of sections at the top level", origin));
  }
  auto doc = std::make_shared<Document>();
  doc->origin = origin;
  doc->root = root;
  return Params(doc, root, "");
}

void Params::apply_override(std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw ConfigError(fmt::format("command line: --set '{}': expected key.path=value", assignment));
  }
  const std::string key_path_text(assignment.substr(0, eq));
  const std::string value_text(assignment.substr(eq + 1));
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("command line: --set {}: value '{}' is not valid YAML", key_path_text, value_text));
  }
  load_strict_yaml(value_text, fmt::format("command line: --set {}", key_path_text));  // duplicate keys
  // Walk (creating maps as needed) to the parent of the last key.
  YAML::Node node = node_;
  YAML::Node parent;        // the map holding `node` (unset at the root)
  std::string parent_key;   // `node`'s key in it
  std::string parent_path;  // `node`'s key path
  std::string_view rest = key_path_text;
  std::string walked = path_;
  while (true) {
    const auto dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    if (part.empty()) {
      throw ConfigError(fmt::format("command line: --set {}: empty key in the path", key_path_text));
    }
    walked = walked.empty() ? part : walked + "." + part;
    if (dot == std::string_view::npos && part == "include" && !parent_key.empty()) {
      // A card swap: SECTION.include=FILE replaces SECTION by FILE's own section, as an
      // `include:` in a file does (relative paths from the working directory).
      if (!value.IsScalar()) {
        throw ConfigError(fmt::format("command line: --set {}: expected the path of a card file", key_path_text));
      }
      const std::filesystem::path card = value.Scalar();
      YAML::Node card_root;
      try {
        card_root = load_yaml_file(card);
      } catch (const ConfigError& e) {
        throw ConfigError(fmt::format("command line: --set {}: {}", key_path_text, e.what()));
      }
      YAML::Node section;
      if (!find_key(card_root, parent_key, nullptr, &section) || !section.IsMap()) {
        throw ConfigError(fmt::format("command line: --set {}: {} has no top-level '{}:' section", key_path_text,
                                      card.string(), parent_key));
      }
      std::erase_if(doc_->file_of_path, [&parent_path](const auto& entry) {
        return entry.first.starts_with(parent_path + ".") || entry.first.starts_with(parent_path + "[");
      });
      resolve_includes(section, parent_path, card, doc_->file_of_path, 1);  // the card's own includes
      doc_->file_of_path[parent_path] = card.string();
      parent[parent_key] = section;
      return;
    }
    if (dot == std::string_view::npos) {
      node[part] = value;
      doc_->overridden.insert(walked);
      return;
    }
    YAML::Node next;
    if (!find_key(node, part, nullptr, &next)) {
      node[part] = YAML::Node(YAML::NodeType::Map);
      doc_->overridden.insert(walked);
      find_key(node, part, nullptr, &next);
    } else if (!next.IsMap()) {
      throw ConfigError(fmt::format("command line: --set {}: '{}' is not a map", key_path_text, walked));
    }
    parent.reset(node);
    parent_key = part;
    parent_path = walked;
    node.reset(next);  // rebind (operator= would overwrite the node's value)
    rest = rest.substr(dot + 1);
  }
}

const std::string& Params::origin() const { return doc_->origin; }

std::string Params::location_of(const YAML::Node& node, std::string_view path) const {
  const std::string& file = doc_->file_of(path);
  const YAML::Mark m = node.Mark();
  if (m.is_null() || m.line < 0) return fmt::format("{} (set on the command line)", file);
  return fmt::format("{}:{}", file, m.line + 1);
}

std::string Params::where() const { return location_of(node_, path_); }

std::string Params::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

bool Params::has(std::string_view key) const { return find_key(node_, key, nullptr, nullptr); }

std::vector<std::string> Params::keys() const {
  std::vector<std::string> out;
  for (auto it = node_.begin(); it != node_.end(); ++it) out.push_back(it->first.Scalar());
  return out;
}

void Params::fail(std::string_view key, std::string_view expected, std::string_view why) const {
  YAML::Node key_node;
  YAML::Node value;
  if (find_key(node_, key, &key_node, &value)) {
    const std::string path = key_path(key);
    const std::string loc = doc_->overridden.count(path) != 0 ? fmt::format("{}: command line --set", doc_->origin)
                                                              : location_of(key_node, path);
    throw ConfigError(fmt::format("{}: {}: expected {}, got {}{}", loc, path, expected, describe_node(value),
                                  why.empty() ? std::string() : fmt::format(" ({})", why)));
  }
  throw ConfigError(fmt::format("{}: {}: missing required key (expected {})", where(), key_path(key), expected));
}

void Params::claim(std::string_view key, const ReaderLocation& reader) const {
  std::vector<std::string>& readers = doc_->readers[key_path(key)];
  std::string where = fmt::format("{}:{}", reader.file_name(), reader.line());
  if (std::find(readers.begin(), readers.end(), where) == readers.end()) readers.push_back(std::move(where));
}

std::vector<std::string> Params::readers_of(std::string_view key_path) const {
  const auto it = doc_->readers.find(key_path);
  return it == doc_->readers.end() ? std::vector<std::string>{} : it->second;
}

YAML::Node Params::required_scalar(std::string_view key, std::string_view expected,
                                   const ReaderLocation& reader) const {
  YAML::Node value;
  if (!find_key(node_, key, nullptr, &value)) fail(key, expected);
  doc_->touched.insert(key_path(key));
  claim(key, reader);
  if (!value.IsScalar()) fail(key, expected);
  return value;
}

void Params::record_default(std::string_view key, const YAML::Node& value) const {
  YAML::Node self = node_;
  self[std::string(key)] = value;
  doc_->touched.insert(key_path(key));
}

Params Params::child(std::string_view key) const {
  YAML::Node value;
  if (!find_key(node_, key, nullptr, &value)) fail(key, "a map (section)");
  doc_->touched.insert(key_path(key));
  if (!value.IsMap()) fail(key, "a map (section)");
  return Params(doc_, value, key_path(key));
}

std::optional<Params> Params::child_if(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return child(key);
}

Params Params::child_or_empty(std::string_view key) const {
  if (has(key)) return child(key);
  YAML::Node self = node_;
  self[std::string(key)] = YAML::Node(YAML::NodeType::Map);
  return child(key);
}

std::vector<Params> Params::child_list(std::string_view key) const {
  YAML::Node value;
  if (!find_key(node_, key, nullptr, &value)) fail(key, "a list of maps");
  doc_->touched.insert(key_path(key));
  if (!value.IsSequence() || value.size() == 0) fail(key, "a non-empty list of maps");
  std::vector<Params> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string p = fmt::format("{}[{}]", key_path(key), i);
    if (!value[i].IsMap()) {
      throw ConfigError(
          fmt::format("{}: {}: expected a map, got {}", location_of(value[i], p), p, describe_node(value[i])));
    }
    doc_->touched.insert(p);
    out.push_back(Params(doc_, value[i], p));
  }
  return out;
}

bool Params::holds_map_list(std::string_view key) const {
  YAML::Node value;
  if (!find_key(node_, key, nullptr, &value)) return false;
  return value.IsSequence() && value.size() > 0 && value[0].IsMap();
}

double Params::quantity(std::string_view key, units::Dimension dim, double min, double max,
                        ReaderLocation reader) const {
  const std::string expected = units::describe(dim) + range_text(min, max);
  const YAML::Node n = required_scalar(key, expected, reader);
  double v = 0.0;
  try {
    v = units::parse(n.Scalar(), dim);
  } catch (const units::ParseError& e) {
    fail(key, expected, e.why());
  }
  if (v < min || v > max) fail(key, expected);
  if (!fits_float(v)) fail(key, expected, kFloatRange);
  return v;
}

double Params::quantity_or(std::string_view key, units::Dimension dim, std::string_view default_text, double min,
                           double max, ReaderLocation reader) const {
  if (!has(key)) record_default(key, YAML::Node(std::string(default_text)));
  return quantity(key, dim, min, max, reader);
}

double Params::real(std::string_view key, double min, double max, ReaderLocation reader) const {
  const std::string expected = "a number" + range_text(min, max);
  const YAML::Node n = required_scalar(key, expected, reader);
  double v = 0.0;
  try {
    v = units::parse(n.Scalar(), units::Dimension::kDimensionless);
  } catch (const units::ParseError& e) {
    fail(key, expected, e.why());
  }
  if (v < min || v > max) fail(key, expected);
  if (!fits_float(v)) fail(key, expected, kFloatRange);
  return v;
}

double Params::real_or(std::string_view key, double default_value, double min, double max,
                       ReaderLocation reader) const {
  if (!has(key)) record_default(key, YAML::Node(fmt::format("{}", default_value)));
  return real(key, min, max, reader);
}

std::int64_t Params::integer(std::string_view key, std::int64_t min, std::int64_t max, ReaderLocation reader) const {
  const std::string expected = "an integer" + range_text_int(min, max);
  const YAML::Node n = required_scalar(key, expected, reader);
  const auto v = parse_int(n.Scalar());
  if (!v || *v < min || *v > max) fail(key, expected);
  return *v;
}

std::int64_t Params::integer_or(std::string_view key, std::int64_t default_value, std::int64_t min, std::int64_t max,
                                ReaderLocation reader) const {
  if (!has(key)) record_default(key, YAML::Node(default_value));
  return integer(key, min, max, reader);
}

bool Params::boolean(std::string_view key, ReaderLocation reader) const {
  const YAML::Node n = required_scalar(key, "true or false", reader);
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    fail(key, "true or false");
  }
}

bool Params::boolean_or(std::string_view key, bool default_value, ReaderLocation reader) const {
  if (!has(key)) record_default(key, YAML::Node(default_value));
  return boolean(key, reader);
}

std::string Params::string(std::string_view key, ReaderLocation reader) const {
  const YAML::Node n = required_scalar(key, "a string", reader);
  if (n.Scalar().empty()) fail(key, "a non-empty string");
  return n.Scalar();
}

std::string Params::string_or(std::string_view key, std::string_view default_value, ReaderLocation reader) const {
  if (!has(key)) record_default(key, YAML::Node(std::string(default_value)));
  return string(key, reader);
}

std::string Params::choice(std::string_view key, const std::vector<std::string>& allowed, ReaderLocation reader) const {
  const std::string expected = fmt::format("one of: {}", fmt::join(allowed, ", "));
  const YAML::Node n = required_scalar(key, expected, reader);
  for (const auto& a : allowed) {
    if (n.Scalar() == a) return a;
  }
  fail(key, expected);
}

std::string Params::choice_or(std::string_view key, const std::vector<std::string>& allowed,
                              std::string_view default_value, ReaderLocation reader) const {
  if (!has(key)) record_default(key, YAML::Node(std::string(default_value)));
  return choice(key, allowed, reader);
}

std::vector<std::int64_t> Params::integer_list(std::string_view key, std::int64_t min, std::int64_t max,
                                               ReaderLocation reader) const {
  const std::string expected = "a non-empty list of integers" + range_text_int(min, max);
  YAML::Node value;
  if (!find_key(node_, key, nullptr, &value)) fail(key, expected);
  doc_->touched.insert(key_path(key));
  claim(key, reader);
  if (!value.IsSequence() || value.size() == 0) fail(key, expected);
  std::vector<std::int64_t> out;
  for (const auto& item : value) {
    const auto v = item.IsScalar() ? parse_int(item.Scalar()) : std::nullopt;
    if (!v || *v < min || *v > max) {
      throw ConfigError(fmt::format("{}: {}: expected {}, got item {}", location_of(item, key_path(key)), key_path(key),
                                    expected, describe_node(item)));
    }
    out.push_back(*v);
  }
  return out;
}

std::vector<double> Params::real_list(std::string_view key, double min, double max, ReaderLocation reader) const {
  const std::string expected = "a non-empty list of numbers" + range_text(min, max);
  YAML::Node value;
  if (!find_key(node_, key, nullptr, &value)) fail(key, expected);
  doc_->touched.insert(key_path(key));
  claim(key, reader);
  if (!value.IsSequence() || value.size() == 0) fail(key, expected);
  std::vector<double> out;
  for (const auto& item : value) {
    double v = 0.0;
    bool ok = item.IsScalar();
    if (ok) {
      try {
        v = units::parse(item.Scalar(), units::Dimension::kDimensionless);
      } catch (const std::invalid_argument&) {
        ok = false;
      }
    }
    if (!ok || v < min || v > max || !fits_float(v)) {
      throw ConfigError(fmt::format("{}: {}: expected {}, got item {}{}", location_of(item, key_path(key)),
                                    key_path(key), expected, describe_node(item),
                                    ok && !fits_float(v) ? fmt::format(" ({})", kFloatRange) : ""));
    }
    out.push_back(v);
  }
  return out;
}

std::filesystem::path Params::file_path(std::string_view key, bool relative_to_file, ReaderLocation reader) const {
  std::filesystem::path p = string(key, reader);
  if (relative_to_file && p.is_relative() && !doc_->file.empty()) {
    p = doc_->file.parent_path() / p;
  }
  return p;
}

namespace {

void check_node(const YAML::Node& node, const std::string& path, const std::set<std::string, std::less<>>& touched,
                const std::function<std::string(const YAML::Node&, const std::string&)>& loc, const std::string& origin,
                const std::set<std::string, std::less<>>& overridden) {
  if (node.IsMap()) {
    std::vector<std::string> known;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string p = path.empty() ? key : path + "." + key;
      if (touched.count(p) != 0) known.push_back(key);
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      const std::string p = path.empty() ? key : path + "." + key;
      if (touched.count(p) == 0) {
        const std::string where = overridden.count(p) != 0 ? origin + ": command line --set" : loc(it->first, p);
        const std::string hint = known.empty() ? "" : fmt::format(" (keys read here: {})", fmt::join(known, ", "));
        throw ConfigError(fmt::format("{}: {}: unknown key, no model reads it{}", where, p, hint));
      }
      check_node(it->second, p, touched, loc, origin, overridden);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (node[i].IsMap()) {
        const std::string p = fmt::format("{}[{}]", path, i);
        if (touched.count(p) != 0) check_node(node[i], p, touched, loc, origin, overridden);
      }
    }
  }
}

}  // namespace

void Params::check_all_read() const {
  check_node(
      node_, path_, doc_->touched, [this](const YAML::Node& n, const std::string& p) { return location_of(n, p); },
      doc_->origin, doc_->overridden);
}

std::string Params::resolved_yaml() const {
  YAML::Emitter out;
  out << doc_->root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace xbarsim
