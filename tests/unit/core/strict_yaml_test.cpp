// Strict YAML: the refusals name file, line and key path; what is legitimate is not refused.
#include "core/strict_yaml.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace xbarsim {
namespace {

std::string refusal(const std::string& text) {
  try {
    load_strict_yaml(text, "f.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(StrictYaml, DuplicateKeysAtAnyDepthAreRefusedWithBothLines) {
  EXPECT_EQ(refusal("a: 1\nb: 2\na: 3\n"),
            "f.yaml:3: a: duplicate key (first at line 1); each key once per section expected");
  EXPECT_EQ(refusal("s:\n  t:\n    x: 1\n    y: 2\n    x: 3\n"),
            "f.yaml:5: s.t.x: duplicate key (first at line 3); each key once per section expected");
  // Flow style, inside a list item.
  EXPECT_EQ(refusal("axes:\n  - {name: a, name: b}\n"),
            "f.yaml:2: axes[].name: duplicate key (first at line 2); each key once per section expected");
}

TEST(StrictYaml, ASecondDocumentAndMergeKeysAreRefused) {
  EXPECT_EQ(refusal("a: 1\n---\nb: 2\n"), "f.yaml:2: a second YAML document ('---'); one document per file expected");
  EXPECT_EQ(refusal("d: &d\n  x: 1\ne:\n  <<: *d\n"),
            "f.yaml:4: e.<<: merge keys ('<<') are not supported; write the keys out");
}

// Text that is not UTF-8 or holds a control character is refused with its line (found by the
// config fuzz target: a key with bytes 0x93 did not survive the resolved configuration's round
// trip and reached exit 70). UTF-8 that YAML allows is kept as it is.
TEST(StrictYaml, TextMustBeUtf8WithoutControlCharacters) {
  EXPECT_EQ(refusal("a: 1\nb\x93: 2\n"), "f.yaml:2: not UTF-8 text (byte 0x93); configuration files are UTF-8");
  EXPECT_EQ(refusal("a: \xc0\xaf\n"),
            "f.yaml:1: not UTF-8 text (byte 0xc0); configuration files are UTF-8");  // overlong '/'
  EXPECT_EQ(refusal("a: \xed\xa0\x80\n"),
            "f.yaml:1: not UTF-8 text (byte 0xed); configuration files are UTF-8");  // surrogate
  EXPECT_EQ(refusal("a: \xe2\x82\n"),
            "f.yaml:1: not UTF-8 text (byte 0xe2); configuration files are UTF-8");  // truncated
  EXPECT_EQ(refusal("a: 1\n\nb: x\x07y\n"),
            "f.yaml:3: control character U+0007; YAML allows tabs, line breaks and printable characters only");
  EXPECT_EQ(refusal(std::string("a: x\0y\n", 7)),
            "f.yaml:1: control character U+0000; YAML allows tabs, line breaks and printable characters only");
  const YAML::Node n = load_strict_yaml(
      "sigma: 5 \xc2\xb5m\r\nname: \xe2\x80\x9c"
      "DW\xe2\x80\x9d\t# \xf0\x9f\x93\x88\n",
      "f.yaml");
  EXPECT_EQ(n["sigma"].as<std::string>(), "5 \xc2\xb5m");
  EXPECT_EQ(n["name"].as<std::string>(),
            "\xe2\x80\x9c"
            "DW"
            "\xe2\x80\x9d");
}

TEST(StrictYaml, EqualKeysInDifferentMapsAreFine) {
  // Sibling sections, list items and nested maps may repeat a key; a key after a nested map
  // belongs to the outer map again. An explicit start of one document is one document.
  const std::string text =
      "---\n"
      "adc: {bits: 8, impl: sar}\n"
      "dac: {bits: 8}\n"
      "axes:\n"
      "  - name: a\n"
      "    values: [1, 2]\n"
      "  - name: b\n"
      "    values: [{bits: 1}, {bits: 2}]\n"
      "outer:\n"
      "  inner:\n"
      "    name: x\n"
      "  name: y\n";
  EXPECT_EQ(refusal(text), "");
  EXPECT_EQ(load_strict_yaml(text, "f.yaml")["outer"]["name"].as<std::string>(), "y");
}

TEST(StrictYaml, SyntaxErrorsKeepTheirLine) {
  EXPECT_EQ(refusal("a: [1, 2\nb: 3\n").rfind("f.yaml:", 0), 0u);
  EXPECT_NE(refusal("a: [1, 2\nb: 3\n").find("YAML syntax error"), std::string::npos);
}

}  // namespace
}  // namespace xbarsim
