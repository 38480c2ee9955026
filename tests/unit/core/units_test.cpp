#include "core/units.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace xbarsim::units {
namespace {

TEST(Units, ParsesEveryDimensionWithPrefixes) {
  EXPECT_DOUBLE_EQ(parse("0.5 pJ", Dimension::kEnergy), 0.5e-12);
  EXPECT_DOUBLE_EQ(parse("3 fJ", Dimension::kEnergy), 3e-15);
  EXPECT_DOUBLE_EQ(parse("10 ns", Dimension::kTime), 10e-9);
  EXPECT_DOUBLE_EQ(parse("1 GHz", Dimension::kFrequency), 1e9);
  EXPECT_DOUBLE_EQ(parse("25 uS", Dimension::kConductance), 25e-6);
  EXPECT_DOUBLE_EQ(parse("6 kOhm", Dimension::kResistance), 6e3);
  EXPECT_DOUBLE_EQ(parse("0.5 V", Dimension::kVoltage), 0.5);
  EXPECT_DOUBLE_EQ(parse("50uA", Dimension::kCurrent), 50e-6);
  EXPECT_DOUBLE_EQ(parse("22 nm", Dimension::kLength), 22e-9);
  EXPECT_DOUBLE_EQ(parse("2 mW", Dimension::kPower), 2e-3);
  EXPECT_DOUBLE_EQ(parse("0.2 fF", Dimension::kCapacitance), 0.2e-15);
  EXPECT_DOUBLE_EQ(parse("1e-3 s", Dimension::kTime), 1e-3);
}

TEST(Units, AreaPrefixAppliesToTheLength) {
  // 1.2 um^2 = 1.2 x (1e-6 m)^2 = 1.2e-12 m^2.
  EXPECT_DOUBLE_EQ(parse("1.2 um^2", Dimension::kArea), 1.2e-12);
  EXPECT_DOUBLE_EQ(parse("3 mm^2", Dimension::kArea), 3e-6);
}

TEST(Units, BareMIsMetreNotMilli) {
  EXPECT_DOUBLE_EQ(parse("2 m", Dimension::kLength), 2.0);
  EXPECT_DOUBLE_EQ(parse("2 ms", Dimension::kTime), 2e-3);
}

TEST(Units, DimensionlessRejectsUnits) {
  EXPECT_DOUBLE_EQ(parse("0.25", Dimension::kDimensionless), 0.25);
  EXPECT_THROW(parse("0.25 V", Dimension::kDimensionless), std::invalid_argument);
}

void expect_error(std::string_view text, Dimension d, std::string_view fragment) {
  try {
    parse(text, d);
    FAIL() << "no error for '" << text << "'";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Units, ErrorsSayWhatIsWrong) {
  expect_error("0.5", Dimension::kEnergy, "missing unit");
  expect_error("0.5 pX", Dimension::kEnergy, "unknown unit 'pX'");
  expect_error("10 ns", Dimension::kEnergy, "not a unit of that kind");
  expect_error("abc pJ", Dimension::kEnergy, "not a number");
  expect_error("", Dimension::kTime, "not a number");
  // Finite as written, not once scaled: 1e308 km = 1e311 m overflows a double (max 1.8e308);
  // 1e-310 aJ = 1e-328 J is below the smallest subnormal (4.9e-324) and rounds to 0.
  expect_error("1e308 km", Dimension::kLength, "out of the range of a double once scaled to SI");
  expect_error("1e-310 aJ", Dimension::kEnergy, "too small once scaled to SI");
  EXPECT_DOUBLE_EQ(parse("1e300 km", Dimension::kLength), 1e303);
  EXPECT_DOUBLE_EQ(parse("0 aJ", Dimension::kEnergy), 0.0);
}

TEST(Units, FormatsWithEngineeringPrefix) {
  EXPECT_EQ(format(0.5e-12, Dimension::kEnergy), "500 fJ");
  EXPECT_EQ(format(13e-12, Dimension::kEnergy), "13 pJ");
  EXPECT_EQ(format(1.2e-12, Dimension::kArea), "1.2 um^2");
}

}  // namespace
}  // namespace xbarsim::units
