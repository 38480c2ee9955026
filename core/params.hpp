// Strict, typed access to one YAML configuration: every read names its key path in errors,
// every key read is marked so that a key nobody read is an error, and every default used is
// written back so that the resolved configuration reproduces the run.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/units.hpp"

namespace xbarsim {

// The line of code that reads a key (Params::readers_of): file and line of the caller, taken at
// the call site by the default argument. Not std::source_location: clang before 15 (Debian 12's
// clang-tidy) lacks its builtin, while __builtin_FILE / __builtin_LINE work in GCC and clang.
class ReaderLocation {
 public:
  static constexpr ReaderLocation current(const char* file = __builtin_FILE(), unsigned line = __builtin_LINE()) {
    return ReaderLocation(file, line);
  }
  constexpr const char* file_name() const { return file_; }
  constexpr unsigned line() const { return line_; }

 private:
  constexpr ReaderLocation(const char* file, unsigned line) : file_(file), line_(line) {}
  const char* file_;
  unsigned line_;
};

// A view of one map in a configuration document. Copies share the document and its read marks.
// Every accessor throws ConfigError with one line: "FILE:LINE: KEY.PATH: expected ..., got ...".
// Every value accessor also records the code location that called it (its `reader`, defaulted
// to the call site) as a reader of the key path: readers_of() lists them, so that a test can
// check that each key has exactly one place in the code that reads it.
class Params {
 public:
  // Loads a YAML file; throws ConfigError for a missing file or a YAML syntax error. A section
  // written `key: {include: CARD.yaml, ...}` is replaced by CARD.yaml's own `key:` section
  // (path relative to the including file) with the other local keys laid over it; messages
  // then name the file and line each key came from.
  static Params from_file(const std::filesystem::path& file);
  // Parses YAML text; `origin` names it in messages (a file name or "<test>").
  static Params from_string(const std::string& text, const std::string& origin);

  // Applies "a.b.c=value" (value parsed as YAML) before anything is read. A key that does not
  // exist in the document is added and then reported as unknown by check_all_read() unless a
  // model reads it, so a misspelt --set is never silently ignored.
  void apply_override(std::string_view assignment);

  // Key path of this map from the document root ("" for the root).
  const std::string& path() const { return path_; }
  // "FILE:LINE" of this map.
  std::string where() const;
  const std::string& origin() const;

  bool has(std::string_view key) const;
  // Keys of this map in document order (marks nothing as read).
  std::vector<std::string> keys() const;

  // A required sub-map.
  Params child(std::string_view key) const;
  // An optional sub-map; absent -> std::nullopt (nothing recorded).
  std::optional<Params> child_if(std::string_view key) const;
  // A sub-map that may be absent: then an empty map is created and recorded, so defaults read
  // from it appear in the resolved configuration.
  Params child_or_empty(std::string_view key) const;
  // A required sequence of maps ("key[0]", "key[1]", ... in messages).
  std::vector<Params> child_list(std::string_view key) const;
  // Whether `key` holds a sequence whose first item is a map (marks nothing as read): for a key
  // that takes either a list of numbers or a list of maps.
  bool holds_map_list(std::string_view key) const;

  // Physical quantities in SI units, parsed by units::parse. Range in SI units, inclusive.
  double quantity(std::string_view key, units::Dimension dim, double min = -std::numeric_limits<double>::infinity(),
                  double max = std::numeric_limits<double>::infinity(),
                  ReaderLocation reader = ReaderLocation::current()) const;
  double quantity_or(std::string_view key, units::Dimension dim, std::string_view default_text,
                     double min = -std::numeric_limits<double>::infinity(),
                     double max = std::numeric_limits<double>::infinity(),
                     ReaderLocation reader = ReaderLocation::current()) const;

  double real(std::string_view key, double min = -std::numeric_limits<double>::infinity(),
              double max = std::numeric_limits<double>::infinity(),
              ReaderLocation reader = ReaderLocation::current()) const;
  double real_or(std::string_view key, double default_value, double min = -std::numeric_limits<double>::infinity(),
                 double max = std::numeric_limits<double>::infinity(),
                 ReaderLocation reader = ReaderLocation::current()) const;

  std::int64_t integer(std::string_view key, std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                       std::int64_t max = std::numeric_limits<std::int64_t>::max(),
                       ReaderLocation reader = ReaderLocation::current()) const;
  std::int64_t integer_or(std::string_view key, std::int64_t default_value,
                          std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                          std::int64_t max = std::numeric_limits<std::int64_t>::max(),
                          ReaderLocation reader = ReaderLocation::current()) const;

  bool boolean(std::string_view key, ReaderLocation reader = ReaderLocation::current()) const;
  bool boolean_or(std::string_view key, bool default_value, ReaderLocation reader = ReaderLocation::current()) const;

  std::string string(std::string_view key, ReaderLocation reader = ReaderLocation::current()) const;
  std::string string_or(std::string_view key, std::string_view default_value,
                        ReaderLocation reader = ReaderLocation::current()) const;
  // A string that must be one of `allowed`.
  std::string choice(std::string_view key, const std::vector<std::string>& allowed,
                     ReaderLocation reader = ReaderLocation::current()) const;
  std::string choice_or(std::string_view key, const std::vector<std::string>& allowed, std::string_view default_value,
                        ReaderLocation reader = ReaderLocation::current()) const;

  // A required non-empty list of integers, each in [min, max].
  std::vector<std::int64_t> integer_list(std::string_view key,
                                         std::int64_t min = std::numeric_limits<std::int64_t>::min(),
                                         std::int64_t max = std::numeric_limits<std::int64_t>::max(),
                                         ReaderLocation reader = ReaderLocation::current()) const;
  // A required non-empty list of plain numbers, each in [min, max].
  std::vector<double> real_list(std::string_view key, double min = -std::numeric_limits<double>::infinity(),
                                double max = std::numeric_limits<double>::infinity(),
                                ReaderLocation reader = ReaderLocation::current()) const;

  // A path value, resolved relative to the directory of the file that holds it when relative
  // and `relative_to_file` is set; otherwise relative to the working directory.
  std::filesystem::path file_path(std::string_view key, bool relative_to_file = false,
                                  ReaderLocation reader = ReaderLocation::current()) const;

  // Throws ConfigError naming the first key (in document order) that no accessor read.
  void check_all_read() const;

  // The code locations ("FILE:LINE" of the accessor calls) that read the value at `key_path`
  // (from the document root), in the order they first did; empty when none did.
  std::vector<std::string> readers_of(std::string_view key_path) const;

  // The whole document as it stands: overrides applied and defaults filled in.
  std::string resolved_yaml() const;

  // Throws ConfigError for `key` of this map with "expected <what>, got '<value>'".
  [[noreturn]] void fail(std::string_view key, std::string_view expected, std::string_view why = {}) const;

 private:
  struct Document;
  Params(std::shared_ptr<Document> doc, const YAML::Node& node, std::string path);

  std::string key_path(std::string_view key) const;
  // The scalar at `key` (marks it read); throws when missing or not a scalar.
  YAML::Node required_scalar(std::string_view key, std::string_view expected, const ReaderLocation& reader) const;
  // Records `reader` as a reader of `key`.
  void claim(std::string_view key, const ReaderLocation& reader) const;
  void record_default(std::string_view key, const YAML::Node& value) const;
  std::string location_of(const YAML::Node& node, std::string_view path) const;

  std::shared_ptr<Document> doc_;
  YAML::Node node_;
  std::string path_;
};

}  // namespace xbarsim
