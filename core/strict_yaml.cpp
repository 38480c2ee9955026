#include "core/strict_yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include <cstdint>
#include <map>
#include <sstream>
#include <vector>

#include "core/error.hpp"

namespace xbarsim {
namespace {

// Walks the parser's events and throws at the first duplicate key, merge key or second
// document. A map's frame alternates between expecting a key and expecting its value; a
// container that starts as a value gets a frame of its own and hands the turn back to its
// parent at once (the parent's next event, after the container ends, is a key).
class StrictChecker final : public YAML::EventHandler {
 public:
  explicit StrictChecker(const std::string& origin) : origin_(origin) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw ConfigError(
          fmt::format("{}:{}: a second YAML document ('---'); one document per file expected", origin_, mark.line + 1));
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, "~", true); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, "*alias", false); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
    leaf(mark, value, true);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    container(mark, false);
  }
  void OnSequenceEnd() override { stack_.pop_back(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    container(mark, true);
  }
  void OnMapEnd() override { stack_.pop_back(); }

 private:
  struct Frame {
    bool is_map = false;
    bool want_key = true;
    std::string path;                 // the dotted key path of this container
    std::string key;                  // the last key read (a map's)
    std::map<std::string, int> keys;  // key -> line of its first appearance
  };

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  void leaf(const YAML::Mark& mark, const std::string& value, bool scalar) {
    if (stack_.empty() || !stack_.back().is_map) return;
    Frame& f = stack_.back();
    if (!f.want_key) {
      f.want_key = true;
      return;
    }
    f.want_key = false;
    if (!scalar) return;
    if (value == "<<") {
      throw ConfigError(fmt::format("{}:{}: {}: merge keys ('<<') are not supported; write the keys out", origin_,
                                    mark.line + 1, join(f.path, "<<")));
    }
    const auto [it, inserted] = f.keys.emplace(value, mark.line + 1);
    if (!inserted) {
      throw ConfigError(fmt::format("{}:{}: {}: duplicate key (first at line {}); each key once per section expected",
                                    origin_, mark.line + 1, join(f.path, value), it->second));
    }
    f.key = value;
  }

  void container(const YAML::Mark&, bool is_map) {
    Frame next;
    next.is_map = is_map;
    if (!stack_.empty()) {
      Frame& parent = stack_.back();
      if (!parent.is_map) {
        next.path = parent.path + "[]";
      } else if (parent.want_key) {
        parent.want_key = false;  // a container as a key (not used by xbarsim; the loader rejects it)
        next.path = parent.path;
      } else {
        parent.want_key = true;
        next.path = join(parent.path, parent.key);
      }
    }
    stack_.push_back(std::move(next));
  }

  const std::string& origin_;
  int documents_ = 0;
  std::vector<Frame> stack_;
};

// Throws unless `text` is UTF-8 made of the characters YAML allows (YAML 1.2, section 5.1: tab,
// line feed, carriage return and the printable characters; no other control character, no
// surrogate, nothing past U+10FFFF). yaml-cpp takes any bytes, and a key made of others would not
// even survive the round trip through the resolved configuration.
void check_text(const std::string& text, const std::string& origin) {
  int line = 1;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t len = lead < 0x80             ? 1
                            : (lead & 0xE0) == 0xC0 ? 2
                            : (lead & 0xF0) == 0xE0 ? 3
                            : (lead & 0xF8) == 0xF0 ? 4
                                                    : 0;
    char32_t cp = len == 1 ? lead : len == 2 ? lead & 0x1FU : len == 3 ? lead & 0x0FU : lead & 0x07U;
    bool valid = len != 0 && i + len <= text.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3FU);
    }
    constexpr char32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};  // overlong forms are invalid
    if (!valid || cp < kShortest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw ConfigError(
          fmt::format("{}:{}: not UTF-8 text (byte 0x{:02x}); configuration files are UTF-8", origin, line, lead));
    }
    const bool printable = cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
                           (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
    if (!printable) {
      throw ConfigError(
          fmt::format("{}:{}: control character U+{:04X}; YAML allows tabs, line breaks and printable "
                      "characters only",
                      origin, line, static_cast<std::uint32_t>(cp)));
    }
    if (cp == '\n') ++line;
    i += len;
  }
}

}  // namespace

YAML::Node load_strict_yaml(const std::string& text, const std::string& origin) {
  check_text(text, origin);
  try {
    std::istringstream events(text);
    YAML::Parser parser(events);
    StrictChecker checker(origin);
    while (parser.HandleNextDocument(checker)) {
    }
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(fmt::format("{}:{}: YAML syntax error: {}", origin, e.mark.line + 1, e.msg));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("{}: cannot read: {}", origin, e.msg));
  }
}

}  // namespace xbarsim
