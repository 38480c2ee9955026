#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/ledger.hpp"
#include "core/registry.hpp"
#include "core/rng.hpp"

namespace xbarsim {
namespace {

struct Shape {
  virtual ~Shape() = default;
  virtual double area() const = 0;
};
using ShapeRegistry = Registry<Shape, double>;

struct Square : Shape {
  Square(const Params& p, double scale) : side(p.real("side") * scale) {}
  double area() const override { return side * side; }
  double side;
};
struct Circle : Shape {
  Circle(const Params& p, double scale) : r(p.real("radius") * scale) {}
  double area() const override { return 3.0 * r * r; }
  double r;
};

}  // namespace
XBARSIM_REGISTER(ShapeRegistry, "square", Square)
XBARSIM_REGISTER(ShapeRegistry, "circle", Circle)
namespace {

TEST(Registry, OneLineRegistrationAndSelectionByImpl) {
  const Params root = Params::from_string("s:\n  impl: square\n  side: 3\n", "r.yaml");
  // scale 2 passes through the extra constructor argument: side 6, area 36.
  EXPECT_DOUBLE_EQ(ShapeRegistry::instance().create(root.child("s"), 2.0)->area(), 36.0);
  EXPECT_EQ(ShapeRegistry::instance().names(), (std::vector<std::string>{"circle", "square"}));
}

TEST(Registry, UnknownImplListsTheRegisteredNames) {
  const Params root = Params::from_string("s:\n  impl: hexagon\n", "r.yaml");
  try {
    ShapeRegistry::instance().create(root.child("s"), 1.0);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "r.yaml:2: s.impl: expected one of: circle, square, got 'hexagon'");
  }
}

TEST(Ledger, EnergyIsCountTimesEnergyPerActionAndParentsSumChildren) {
  Ledger ledger;
  const auto adc0 = ledger.declare("chip/layer0/tile0/adc", "conversion", 1.5e-12, "test");
  const auto dac0 = ledger.declare("chip/layer0/tile0/dac", "drive", 0.25e-12, "test");
  const auto adc1 = ledger.declare("chip/layer1/tile0/adc", "conversion", 2.0e-12, "test");
  EXPECT_EQ(ledger.declare("chip/layer0/tile0/adc", "conversion", 1.5e-12, "test"), adc0);
  ledger.add(adc0, 10);
  ledger.add(dac0, 4);
  ledger.add(adc1, 3);
  // layer0: 10 x 1.5 pJ + 4 x 0.25 pJ = 16 pJ; layer1: 3 x 2 pJ = 6 pJ; chip 22 pJ.
  EXPECT_NEAR(ledger.energy_J("chip/layer0"), 16e-12, 1e-24);
  EXPECT_NEAR(ledger.energy_J("chip/layer1"), 6e-12, 1e-24);
  EXPECT_NEAR(ledger.energy_J(), 22e-12, 1e-24);
  EXPECT_EQ(ledger.energy_J("chip/layer"), 0.0);  // a prefix must end at a '/' boundary
  EXPECT_EQ(ledger.count_of("conversion"), 13u);

  const nlohmann::json tree = ledger.energy_tree();
  const auto& chip = tree["children"]["chip"];
  EXPECT_NEAR(chip["energy_pJ"].get<double>(), 22.0, 1e-9);
  EXPECT_NEAR(chip["children"]["layer0"]["energy_pJ"].get<double>(), 16.0, 1e-9);
  const auto& adc = chip["children"]["layer0"]["children"]["tile0"]["children"]["adc"];
  EXPECT_EQ(adc["actions"]["conversion"]["count"].get<std::uint64_t>(), 10u);
  EXPECT_NEAR(adc["actions"]["conversion"]["energy_pJ"].get<double>(), 15.0, 1e-9);
}

TEST(Ledger, RedeclaringWithAnotherEnergyIsAnError) {
  Ledger ledger;
  ledger.declare("a", "x", 1e-12, "s");
  EXPECT_THROW(ledger.declare("a", "x", 2e-12, "s"), std::logic_error);
  EXPECT_THROW(ledger.declare("a", "y", -1e-12, "s"), std::invalid_argument);
}

// A counter that would wrap past 2^64 - 1 stays there instead (a wrapped count would report
// less energy than before), and saturated() names it.
TEST(Ledger, CountersSaturateInsteadOfWrapping) {
  Ledger ledger;
  const Ledger::Counter a = ledger.declare("tile", "read", 1e-12, "s");
  const Ledger::Counter b = ledger.declare("adc", "convert", 1e-12, "s");
  ledger.add(b, 7);
  EXPECT_EQ(ledger.saturated(), "");
  ledger.add(a, Ledger::kSaturated - 1);
  EXPECT_EQ(ledger.saturated(), "");
  ledger.add(a, 2);  // 2^64 - 2 + 2 wraps to 0 in plain arithmetic
  EXPECT_EQ(ledger.count(a), Ledger::kSaturated);
  EXPECT_EQ(ledger.saturated(), "tile read");
  EXPECT_EQ(ledger.count(b), 7u);
}

TEST(Ledger, AreaRollsUp) {
  Ledger ledger;
  ledger.declare_area("chip/tile/adc", 1200e-12, 16, "ISAAC");  // 16 x 1200 um^2
  ledger.declare_area("chip/tile/array", 100e-12, 1, "cells");
  EXPECT_NEAR(ledger.area_m2("chip/tile"), 19300e-12, 1e-18);
  EXPECT_NEAR(ledger.area_tree()["children"]["chip"]["area_um2"].get<double>(), 19300.0, 1e-6);
}

TEST(Rng, SameSeedSameStreamSameNumbers) {
  Rng a(42, 7), b(42, 7), c(42, 8);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const double x = a.normal();
    EXPECT_EQ(x, b.normal());
    differs |= x != c.normal();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, UniformMeanWithinSamplingError) {
  // Mean of n = 1e5 U(0,1) draws: 0.5 with standard error sqrt(1/12 / n) = 9.1e-4; allow 5 SE.
  Rng rng(1);
  const int n = 100000;
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += rng.uniform();
  EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12.0 / n));
}

}  // namespace
}  // namespace xbarsim
