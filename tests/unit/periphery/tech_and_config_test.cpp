// Technology tables (YAML files == built-in tables), the example cards validate as
// `xbarsim validate` would, and invalid parameters give one clear ConfigError line.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/cards.hpp"
#include "periphery/adc.hpp"
#include "periphery/dac.hpp"
#include "periphery/sram.hpp"
#include "periphery/tech_node.hpp"
#include "periphery/write_driver.hpp"
#include "periphery_test_util.hpp"

namespace xbarsim::periphery {
namespace {

TEST(TechNode, YamlFilesMatchTheBuiltInTables) {
  for (const std::string& name : TechNode::builtin_names()) {
    const auto file = testing::source_root() / "configs" / "tech" / (name + ".yaml");
    const Params root = Params::from_file(file);
    const TechNode y = TechNode::from_params(root.child("tech"));
    root.check_all_read();
    const TechNode b = TechNode::builtin(name);
    EXPECT_EQ(y.name, b.name);
    EXPECT_DOUBLE_EQ(y.feature_size, b.feature_size) << name;
    EXPECT_DOUBLE_EQ(y.vdd, b.vdd) << name;
    EXPECT_DOUBLE_EQ(y.sar.a, b.sar.a) << name;
    EXPECT_DOUBLE_EQ(y.sar.b, b.sar.b) << name;
    EXPECT_DOUBLE_EQ(y.sar.c, b.sar.c) << name;
    EXPECT_DOUBLE_EQ(y.sar.k, b.sar.k) << name;
    EXPECT_DOUBLE_EQ(y.min_transistor_area_F2, b.min_transistor_area_F2) << name;
    EXPECT_DOUBLE_EQ(y.sram_cell_area_F2, b.sram_cell_area_F2) << name;
    EXPECT_DOUBLE_EQ(y.sram_energy_per_bit_8KB, b.sram_energy_per_bit_8KB) << name;
    EXPECT_DOUBLE_EQ(y.sram_leakage_per_bit, b.sram_leakage_per_bit) << name;
  }
  // Spot values typed from NeuroSim V1.3's SarADC.cpp coefficient table (not from the code).
  EXPECT_DOUBLE_EQ(TechNode::builtin("45nm").sar.b, 11.931);
  EXPECT_DOUBLE_EQ(TechNode::builtin("65nm").sar.k, -2.321);
  EXPECT_DOUBLE_EQ(TechNode::builtin("32nm").feature_size, 32e-9);
}

TEST(TechNode, KeysOverrideTheBaseTableAndDefaultsAreRecorded) {
  const Params root = Params::from_string("tech:\n  node: 45nm\n  vdd: 0.9 V\n  sar_fit: {c: 0.1}\n", "<test>");
  const TechNode t = TechNode::from_params(root.child("tech"));
  root.check_all_read();
  EXPECT_DOUBLE_EQ(t.vdd, 0.9);
  EXPECT_DOUBLE_EQ(t.sar.c, 0.1);
  EXPECT_DOUBLE_EQ(t.sar.a, 2.1843);        // from the 45 nm table
  EXPECT_DOUBLE_EQ(t.feature_size, 45e-9);  // from the 45 nm table
  const std::string resolved = root.resolved_yaml();
  EXPECT_NE(resolved.find("feature_size: 45 nm"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("energy_per_bit_8KB"), std::string::npos) << resolved;
}

// What `xbarsim validate <card>` does: every top-level key is a card kind, its validator builds
// the part, then no key may be left unread.
void validate_card(const std::filesystem::path& file) {
  const Params root = Params::from_file(file);
  for (const std::string& key : root.keys()) {
    const CardKinds::Validator* v = CardKinds::instance().find(key);
    ASSERT_NE(v, nullptr) << file << ": no card kind '" << key << "'";
    (*v)(root.child(key));
  }
  root.check_all_read();
}

TEST(Cards, EveryExampleCardValidates) {
  int n = 0;
  for (const auto& dir : {"periphery", "tech"}) {
    for (const auto& entry : std::filesystem::directory_iterator(testing::source_root() / "configs" / dir)) {
      if (entry.path().extension() != ".yaml") continue;
      SCOPED_TRACE(entry.path().string());
      EXPECT_NO_THROW(validate_card(entry.path()));
      ++n;
    }
  }
  EXPECT_EQ(n, 11);  // 7 periphery cards + 4 technology tables
}

TEST(Cards, NeuroSimCardGivesTheCheckValue) {
  // configs/periphery/adc_sar_neurosim.yaml: 22 nm, 5 bits, 10 kOhm, 0.5 V -> 90 fJ (REFERENCES).
  const Params root = Params::from_file(testing::source_root() / "configs/periphery/adc_sar_neurosim.yaml");
  const Params adc_p = root.child("adc");
  auto adc = AdcRegistry::instance().create(adc_p, TechNode::for_card(adc_p), AdcContext{});
  root.check_all_read();
  EXPECT_NEAR(adc->energy_per_conversion().value, 90e-15, 0.02 * 90e-15);
}

// --- invalid parameters: one line naming file:line and the key path ----------------------

std::string adc_error(const std::string& yaml) {
  return testing::config_error([&] {
    const Params root = Params::from_string(yaml, "<test>");
    const Params p = root.child("adc");
    (void)AdcRegistry::instance().create(p, TechNode::for_card(p), AdcContext{});
    root.check_all_read();
  });
}

void expect_one_line(const std::string& msg, const std::string& where, const std::string& key) {
  EXPECT_NE(msg.find(where), std::string::npos) << msg;
  EXPECT_NE(msg.find(key), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(ConfigErrors, ZeroBits) {
  const std::string msg = adc_error("adc:\n  impl: sar\n  bits: 0\n  column_resistance: 10 kOhm\n");
  expect_one_line(msg, "<test>:3", "adc.bits");
  EXPECT_NE(msg.find("[1, 16]"), std::string::npos) << msg;
  const std::string dac_msg = testing::config_error([] {
    const Params root = Params::from_string("dac:\n  impl: bit_serial\n  bits: 0\n", "<test>");
    (void)DacRegistry::instance().create(root.child("dac"), TechNode::builtin("22nm"), DacContext{});
  });
  expect_one_line(dac_msg, "<test>:3", "dac.bits");
}

TEST(ConfigErrors, NegativeEnergy) {
  const std::string msg = adc_error("adc:\n  impl: flash\n  bits: 4\n  energy_per_conversion: -1 pJ\n");
  expect_one_line(msg, "<test>:4", "adc.energy_per_conversion");
  EXPECT_NE(msg.find(">= 0"), std::string::npos) << msg;
  const std::string sram_msg = testing::config_error([] {
    const Params root = Params::from_string("sram:\n  impl: sram\n  leakage_per_bit: -3 nW\n", "<test>");
    (void)SramRegistry::instance().create(root.child("sram"), TechNode::builtin("22nm"));
  });
  expect_one_line(sram_msg, "<test>:3", "sram.leakage_per_bit");
}

TEST(ConfigErrors, UnknownNode) {
  const std::string msg = adc_error("adc:\n  impl: flash\n  tech: 28nm\n  bits: 4\n");
  expect_one_line(msg, "<test>:3", "adc.tech");
  EXPECT_NE(msg.find("22nm, 32nm, 45nm, 65nm"), std::string::npos) << msg;
  const std::string tech_msg = testing::config_error([] {
    const Params root = Params::from_string("tech:\n  node: 7nm\n", "<test>");
    (void)TechNode::from_params(root.child("tech"));
  });
  expect_one_line(tech_msg, "<test>:2", "tech.node");
}

TEST(ConfigErrors, UnknownKey) {
  const std::string msg = adc_error("adc:\n  impl: sar\n  bits: 4\n  column_resistance: 10 kOhm\n  bitz: 5\n");
  expect_one_line(msg, "<test>:5", "adc.bitz");
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  // A key that belongs to another model is unknown too (fom is read by walden only).
  const std::string msg2 = adc_error("adc:\n  impl: sar\n  bits: 4\n  column_resistance: 10 kOhm\n  fom: 5 fJ\n");
  expect_one_line(msg2, "<test>:5", "adc.fom");
}

TEST(ConfigErrors, OtherOutOfRangeValues) {
  // NeuroSim fit without a column resistance from YAML or the array.
  expect_one_line(adc_error("adc:\n  impl: sar\n  bits: 4\n"), "<test>:2", "adc.column_resistance");
  // ISAAC table outside 4..10 bits.
  expect_one_line(adc_error("adc:\n  impl: sar\n  bits: 12\n  energy_model: isaac\n"), "<test>:3", "adc.bits");
  // Unknown implementation lists the registered ones.
  const std::string msg = adc_error("adc:\n  impl: pipeline\n  bits: 4\n");
  expect_one_line(msg, "<test>:2", "adc.impl");
  EXPECT_NE(msg.find("flash, ideal, sar"), std::string::npos) << msg;
  // input_max must exceed input_min.
  expect_one_line(adc_error("adc:\n  impl: flash\n  bits: 4\n  range: set\n  input_min: 1 uA\n"
                            "  input_max: 1 uA\n"),
                  "<test>:6", "adc.input_max");
}

}  // namespace
}  // namespace xbarsim::periphery
