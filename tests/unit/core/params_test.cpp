#include "core/params.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"

namespace xbarsim {
namespace {

// Runs `body` and returns the ConfigError message it throws ("" when it throws nothing).
template <class F>
std::string config_error(F&& body) {
  try {
    body();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

constexpr const char* kDoc =
    "tile:\n"        // line 1
    "  rows: 128\n"  // line 2
    "  read_pulse: 10 ns\n"
    "  name: t0\n"
    "  enabled: true\n"  // line 5
    "  levels: [1, 2, 3]\n"
    "  adc:\n"
    "    bits: 8\n";

TEST(Params, ReadsTypedValuesInSi) {
  const Params root = Params::from_string(kDoc, "card.yaml");
  const Params tile = root.child("tile");
  EXPECT_EQ(tile.integer("rows", 1, 4096), 128);
  EXPECT_DOUBLE_EQ(tile.quantity("read_pulse", units::Dimension::kTime), 10e-9);
  EXPECT_EQ(tile.string("name"), "t0");
  EXPECT_TRUE(tile.boolean("enabled"));
  EXPECT_EQ(tile.integer_list("levels"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(tile.child("adc").integer("bits"), 8);
  EXPECT_EQ(tile.child("adc").path(), "tile.adc");
  EXPECT_NO_THROW(root.check_all_read());
}

TEST(Params, UnknownKeyNamesFileLineAndPath) {
  const Params root = Params::from_string(kDoc, "card.yaml");
  const Params tile = root.child("tile");
  tile.integer("rows");
  tile.quantity("read_pulse", units::Dimension::kTime);
  tile.string("name");
  tile.boolean("enabled");
  tile.integer_list("levels");
  // tile.adc.bits is never read.
  tile.child("adc");
  const std::string msg = config_error([&] { root.check_all_read(); });
  EXPECT_EQ(msg, "card.yaml:8: tile.adc.bits: unknown key, no model reads it");
}

TEST(Params, UnknownSectionIsReportedAtItsKey) {
  const Params root = Params::from_string("a:\n  x: 1\nb:\n  y: 2\n", "f.yaml");
  root.child("a").integer("x");
  EXPECT_EQ(config_error([&] { root.check_all_read(); }),
            "f.yaml:3: b: unknown key, no model reads it (keys read here: a)");
}

TEST(Params, MissingKeyNamesTheMapLine) {
  const Params root = Params::from_string(kDoc, "card.yaml");
  const std::string msg = config_error([&] { root.child("tile").integer("cols", 1, 4096); });
  EXPECT_EQ(msg, "card.yaml:2: tile.cols: missing required key (expected an integer in [1, 4096])");
}

TEST(Params, OutOfRangeAndWrongType) {
  const Params root = Params::from_string("t:\n  rows: -3\n  bits: eight\n", "c.yaml");
  const Params t = root.child("t");
  EXPECT_EQ(config_error([&] { t.integer("rows", 1, 4096); }),
            "c.yaml:2: t.rows: expected an integer in [1, 4096], got '-3'");
  EXPECT_EQ(config_error([&] { t.integer("bits", 1, 16); }),
            "c.yaml:3: t.bits: expected an integer in [1, 16], got 'eight'");
}

// Numbers a 32-bit float cannot hold (models keep conductances, scales and optimizer constants as
// float) are refused after unit scaling: 1e40 S overflows to inf, 1e-50 flushes to 0; 1e-38 uS
// = 1e-44 S is a float subnormal (below FLT_MIN = 1.18e-38). 0 and FLT_MAX itself are accepted.
TEST(Params, NumbersOutsideTheFloatRangeAreRefused) {
  const Params root = Params::from_string(
      "d:\n  big: 1e40 S\n  tiny: 1e-38 uS\n  small: 1e-50\n  zero: 0 S\n  top: 3.4e38\n  list: [1, 1e39]\n", "d.yaml");
  const Params d = root.child("d");
  const std::string why = " (outside the range of a 32-bit float: 0, or 1.2e-38 to 3.4e38 in magnitude)";
  EXPECT_EQ(config_error([&] { d.quantity("big", units::Dimension::kConductance); }),
            "d.yaml:2: d.big: expected a conductance (e.g. '25 uS'), got '1e40 S'" + why);
  EXPECT_EQ(config_error([&] { d.quantity("tiny", units::Dimension::kConductance); }),
            "d.yaml:3: d.tiny: expected a conductance (e.g. '25 uS'), got '1e-38 uS'" + why);
  EXPECT_EQ(config_error([&] { d.real("small"); }), "d.yaml:4: d.small: expected a number, got '1e-50'" + why);
  EXPECT_EQ(d.quantity("zero", units::Dimension::kConductance), 0.0);
  EXPECT_EQ(d.real("top"), 3.4e38);
  EXPECT_EQ(config_error([&] { d.real_list("list"); }),
            "d.yaml:7: d.list: expected a non-empty list of numbers, got item '1e39'" + why);
}

TEST(Params, BadUnitSaysWhatWasExpected) {
  const Params root = Params::from_string("d:\n  e: 3 ns\n  f: 3\n", "d.yaml");
  const Params d = root.child("d");
  const std::string wrong = config_error([&] { d.quantity("e", units::Dimension::kEnergy); });
  EXPECT_NE(wrong.find("d.yaml:2: d.e: expected an energy"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("not a unit of that kind"), std::string::npos) << wrong;
  const std::string missing = config_error([&] { d.quantity("f", units::Dimension::kEnergy); });
  EXPECT_NE(missing.find("d.yaml:3: d.f:"), std::string::npos) << missing;
  EXPECT_NE(missing.find("missing unit"), std::string::npos) << missing;
}

TEST(Params, ChoiceListsAllowedValues) {
  const Params root = Params::from_string("x:\n  impl: sarr\n", "x.yaml");
  EXPECT_EQ(config_error([&] {
              root.child("x").choice("impl", {"flash", "sar"});
            }),
            "x.yaml:2: x.impl: expected one of: flash, sar, got 'sarr'");
}

TEST(Params, DefaultsAreRecordedInTheResolvedConfig) {
  const Params root = Params::from_string("x:\n  a: 1\n", "x.yaml");
  const Params x = root.child("x");
  EXPECT_EQ(x.integer("a"), 1);
  EXPECT_EQ(x.integer_or("b", 7), 7);
  EXPECT_DOUBLE_EQ(x.quantity_or("t", units::Dimension::kTime, "2 ns"), 2e-9);
  EXPECT_NO_THROW(root.check_all_read());
  const std::string resolved = root.resolved_yaml();
  EXPECT_NE(resolved.find("b: 7"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("t: 2 ns"), std::string::npos) << resolved;
}

TEST(Params, OverridesReplaceValuesAndUnknownOnesAreReported) {
  Params root = Params::from_string("x:\n  a: 1\n", "x.yaml");
  root.apply_override("x.a=5");
  root.apply_override("x.typo=3");
  const Params x = root.child("x");
  EXPECT_EQ(x.integer("a"), 5);
  EXPECT_EQ(config_error([&] { root.check_all_read(); }),
            "x.yaml: command line --set: x.typo: unknown key, no model reads it (keys read here: a)");
  EXPECT_NE(config_error([&] { root.apply_override("novalue"); }).find("expected key.path=value"), std::string::npos);
}

TEST(Params, OverrideWithWrongTypeNamesTheCommandLine) {
  Params root = Params::from_string("x:\n  a: 1\n", "x.yaml");
  root.apply_override("x.a=abc");
  EXPECT_EQ(config_error([&] { root.child("x").integer("a"); }),
            "x.yaml: command line --set: x.a: expected an integer, got 'abc'");
}

TEST(Params, YamlSyntaxErrorNamesTheLine) {
  const std::string msg = config_error([] { Params::from_string("a:\n  b: [1, 2\n", "s.yaml"); });
  EXPECT_EQ(msg.rfind("s.yaml:", 0), 0u) << msg;
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
}

TEST(Params, MissingFile) {
  EXPECT_EQ(config_error([] { Params::from_file("/nonexistent/x.yaml"); }),
            "/nonexistent/x.yaml: no such configuration file");
}

TEST(Params, ListOfMapsIsCheckedItemByItem) {
  const Params root = Params::from_string("axes:\n  - key: a\n  - key: b\n    extra: 1\n", "s.yaml");
  const auto items = root.child_list("axes");
  ASSERT_EQ(items.size(), 2u);
  for (const auto& it : items) it.string("key");
  EXPECT_EQ(config_error([&] { root.check_all_read(); }),
            "s.yaml:4: axes[1].extra: unknown key, no model reads it (keys read here: key)");
}

}  // namespace
}  // namespace xbarsim

namespace xbarsim {
namespace {

TEST(ParamsInclude, CardSectionIsIncludedAndLocalKeysOverrideIt) {
  const auto dir = std::filesystem::temp_directory_path() / "xbarsim_include_test";
  std::filesystem::create_directories(dir / "cards");
  {
    std::ofstream(dir / "cards" / "dev.yaml") << "# a card\ndevice:\n  impl: ideal\n  g_max: 25 uS\n  bogus: 1\n";
    std::ofstream(dir / "exp.yaml") << "device:\n  include: cards/dev.yaml\n  g_max: 30 uS\n";
  }
  const Params root = Params::from_file(dir / "exp.yaml");
  const Params dev = root.child("device");
  EXPECT_EQ(dev.string("impl"), "ideal");
  EXPECT_DOUBLE_EQ(dev.quantity("g_max", units::Dimension::kConductance), 30e-6);
  // The unread key is reported in the card file, at its own line.
  try {
    root.check_all_read();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "exp.yaml").parent_path().string() +
                                         "/cards/dev.yaml:5: device.bogus: unknown key, no model "
                                         "reads it (keys read here: impl, g_max)");
  }
  // The resolved configuration is self-contained: the include is expanded.
  EXPECT_EQ(root.resolved_yaml().find("include"), std::string::npos);
}

TEST(ParamsInclude, MissingSectionInTheCardIsNamed) {
  const auto dir = std::filesystem::temp_directory_path() / "xbarsim_include_test2";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "card.yaml") << "adc:\n  bits: 8\n";
  std::ofstream(dir / "exp.yaml") << "device:\n  include: card.yaml\n";
  try {
    Params::from_file(dir / "exp.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("exp.yaml:2: device.include:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("has no top-level 'device:' section"), std::string::npos);
  }
}

// --set SECTION.include=FILE swaps the card: SECTION becomes FILE's section (the keys the file
// laid over the old card go with it), later --set apply on top, messages name the new card and
// its line, and the resolved configuration holds the new card expanded.
TEST(ParamsInclude, CardIsSwappedFromTheCommandLine) {
  const auto dir = std::filesystem::temp_directory_path() / "xbarsim_include_test3";
  std::filesystem::create_directories(dir / "cards");
  {
    std::ofstream(dir / "cards" / "a.yaml") << "arch:\n  adc: {impl: sar, bits: 6}\n";
    std::ofstream(dir / "cards" / "flash.yaml") << "# another ADC\nadc:\n  impl: flash\n  bits: 4\n  extra: 1\n";
    std::ofstream(dir / "exp.yaml") << "arch:\n  include: cards/a.yaml\n  clock: 1 GHz\n";
  }
  Params root = Params::from_file(dir / "exp.yaml");
  root.apply_override("arch.adc.include=" + (dir / "cards" / "flash.yaml").string());
  root.apply_override("arch.adc.bits=5");
  const Params adc = root.child("arch").child("adc");
  EXPECT_EQ(adc.string("impl"), "flash");
  EXPECT_EQ(adc.integer("bits"), 5);
  EXPECT_DOUBLE_EQ(root.child("arch").quantity("clock", units::Dimension::kFrequency), 1e9);
  try {
    root.check_all_read();
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "cards" / "flash.yaml").string() +
                                         ":5: arch.adc.extra: unknown key, no model reads it (keys "
                                         "read here: impl, bits)");
  }
  EXPECT_EQ(root.resolved_yaml().find("include"), std::string::npos);
  EXPECT_NE(root.resolved_yaml().find("flash"), std::string::npos);
}

TEST(ParamsInclude, SwappedCardWithoutTheSectionIsNamed) {
  const auto dir = std::filesystem::temp_directory_path() / "xbarsim_include_test4";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "card.yaml") << "dac:\n  bits: 8\n";
  Params root = Params::from_string("arch:\n  adc: {bits: 6}\n", "exp.yaml");
  const std::string card = (dir / "card.yaml").string();
  try {
    root.apply_override("arch.adc.include=" + card);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "command line: --set arch.adc.include: " + card + " has no top-level 'adc:' section");
  }
  try {
    root.apply_override("arch.adc.include=" + (dir / "missing.yaml").string());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "command line: --set arch.adc.include: " + (dir / "missing.yaml").string() +
                                         ": no such configuration file");
  }
}

}  // namespace
}  // namespace xbarsim
