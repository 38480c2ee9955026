// Write driver: pulse, programming steps, and the cost face (device + C_line V^2) against
// hand-computed values; YAML values win over the array/device context.
#include "periphery/write_driver.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "periphery_test_util.hpp"

namespace xbarsim::periphery {
namespace {

std::unique_ptr<WriteDriver> make_wd(const std::string& yaml, const std::string& node = "22nm",
                                     const WriteDriverContext& ctx = {}) {
  const Params root = Params::from_string(yaml, "<test>");
  auto wd = WriteDriverRegistry::instance().create(root.child("write_driver"), TechNode::builtin(node), ctx);
  root.check_all_read();
  return wd;
}

TEST(WriteDriver, HandComputedConfigurations) {
  {
    // 1 V, 10 ns, 50 fF line; device 3 fJ from the device model:
    // E_line = 50 fF * 1 V^2 = 50 fJ; E_pulse = 3 + 50 = 53 fJ; step = 10 ns;
    // area = 2 * 212.8 F^2 * (22 nm)^2 = 425.6 * 4.84e-16 = 2.059904e-13 m^2; 128 rows one at a
    // time -> 128 steps.
    WriteDriverContext ctx;
    ctx.device_energy_per_pulse = 3e-15;
    ctx.device_source = "domain wall model";
    auto wd = make_wd(
        "write_driver: {impl: standard, pulse_amplitude: 1 V, pulse_width: 10 ns, "
        "line_capacitance: 50 fF}",
        "22nm", ctx);
    EXPECT_NEAR(wd->line_energy().value, 50e-15, 1e-24);
    EXPECT_NEAR(wd->device_energy().value, 3e-15, 1e-24);
    EXPECT_EQ(wd->device_energy().source, "domain wall model");
    EXPECT_NEAR(wd->energy_per_pulse(), 53e-15, 1e-24);
    EXPECT_NEAR(wd->latency_per_step().value, 10e-9, 1e-18);
    EXPECT_NEAR(wd->area().value, 2.059904e-13, 1e-20);
    EXPECT_EQ(wd->steps(128), 128);
  }
  {
    // 0.8 V, 5 ns + 1 ns settle, 120 fF, 32 rows in parallel, device override 10 fJ (beats the
    // context's 3 fJ): E_line = 120 fF * 0.64 V^2 = 76.8 fJ; E_pulse = 86.8 fJ; step = 6 ns;
    // 100 rows -> ceil(100/32) = 4 steps; area 4 * 212.8 * (45 nm)^2 = 851.2 * 2.025e-15 =
    // 1.72368e-12 m^2.
    WriteDriverContext ctx;
    ctx.device_energy_per_pulse = 3e-15;
    auto wd = make_wd(
        "write_driver: {impl: standard, pulse_amplitude: 0.8 V, pulse_width: 5 ns, "
        "settle_time: 1 ns, line_capacitance: 120 fF, parallel_rows: 32, "
        "device_energy_per_pulse: 10 fJ, driver_transistors: 4}",
        "45nm", ctx);
    EXPECT_NEAR(wd->line_energy().value, 76.8e-15, 1e-24);
    EXPECT_NEAR(wd->energy_per_pulse(), 86.8e-15, 1e-24);
    EXPECT_NE(wd->device_energy().source.find("config override"), std::string::npos);
    EXPECT_NEAR(wd->latency_per_step().value, 6e-9, 1e-18);
    EXPECT_EQ(wd->steps(100), 4);
    EXPECT_EQ(wd->steps(96), 3);
    EXPECT_NEAR(wd->area().value, 1.72368e-12, 1e-19);
  }
  {
    // Everything from the context: 2 V, 1 ns, 10 fF; no device figure.
    // E_line = 10 fF * 4 V^2 = 40 fJ; device 0 ("not supplied"); E_pulse = 40 fJ; step 1 ns.
    WriteDriverContext ctx;
    ctx.pulse_amplitude = 2.0;
    ctx.pulse_width = 1e-9;
    ctx.line_capacitance = 10e-15;
    auto wd = make_wd("write_driver: {impl: standard}", "65nm", ctx);
    EXPECT_DOUBLE_EQ(wd->pulse().amplitude, 2.0);
    EXPECT_DOUBLE_EQ(wd->pulse().width, 1e-9);
    EXPECT_NEAR(wd->line_energy().value, 40e-15, 1e-24);
    EXPECT_EQ(wd->device_energy().value, 0.0);
    EXPECT_NE(wd->device_energy().source.find("not supplied"), std::string::npos);
    EXPECT_NEAR(wd->energy_per_pulse(), 40e-15, 1e-24);
    EXPECT_NEAR(wd->latency_per_step().value, 1e-9, 1e-18);
  }
}

TEST(WriteDriver, MissingPulseIsAnErrorNamingTheKey) {
  const std::string msg =
      testing::config_error([] { make_wd("write_driver:\n  impl: standard\n  pulse_width: 10 ns\n"); });
  EXPECT_NE(msg.find("write_driver.pulse_amplitude"), std::string::npos) << msg;
  EXPECT_NE(msg.find("<test>:2"), std::string::npos) << msg;
}

}  // namespace
}  // namespace xbarsim::periphery
