// Technology tables (YAML files == built-in tables), the example cards validate as
// `xbarsim validate` would, and invalid parameters give one clear ConfigError line.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

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
    EXPECT_DOUBLE_EQ(y.wire_width, b.wire_width) << name;
    EXPECT_DOUBLE_EQ(y.wire_aspect_ratio, b.wire_aspect_ratio) << name;
    EXPECT_DOUBLE_EQ(y.wire_resistivity, b.wire_resistivity) << name;
  }
  // Spot values typed from NeuroSim V1.3's SarADC.cpp coefficient table (not from the code).
  EXPECT_DOUBLE_EQ(TechNode::builtin("45nm").sar.b, 11.931);
  EXPECT_DOUBLE_EQ(TechNode::builtin("65nm").sar.k, -2.321);
  EXPECT_DOUBLE_EQ(TechNode::builtin("32nm").feature_size, 32e-9);
}

TEST(TechNode, WiresOfNeuroSimsParamTable) {
  // Typed from DNN+NeuroSim V1.3 Param.cpp (technode -> wireWidth in nm; AR; Rho in Ohm m), not
  // from the code: 130 -> 175, 1.60, 2.20e-8; 90 -> 110, 1.60, 2.52e-8; 65 -> 105, 1.70, 2.68e-8;
  // 45 -> 80, 1.70, 3.31e-8; 32 -> 56, 1.80, 3.70e-8; 22 -> 40, 1.90, 4.03e-8; 14 -> 25, 2.00,
  // 5.08e-8; 10 and 7 -> 18, 2.00, 6.35e-8.
  struct Row {
    const char* name;
    double width_nm, ar, rho;
  };
  for (const Row& r :
       {Row{"130nm", 175, 1.60, 2.20e-8}, Row{"90nm", 110, 1.60, 2.52e-8}, Row{"65nm", 105, 1.70, 2.68e-8},
        Row{"45nm", 80, 1.70, 3.31e-8}, Row{"32nm", 56, 1.80, 3.70e-8}, Row{"22nm", 40, 1.90, 4.03e-8},
        Row{"14nm", 25, 2.00, 5.08e-8}, Row{"10nm", 18, 2.00, 6.35e-8}, Row{"7nm", 18, 2.00, 6.35e-8}}) {
    const TechNode t = TechNode::builtin(r.name);
    EXPECT_NEAR(t.wire_width, r.width_nm * 1e-9, 1e-18) << r.name;
    EXPECT_DOUBLE_EQ(t.wire_aspect_ratio, r.ar) << r.name;
    EXPECT_NEAR(t.wire_resistivity, r.rho, 1e-20) << r.name;
  }
  // 22 nm: 4.03e-8 / (40e-9 x 1.9 x 40e-9) = 1.3257e7 Ohm/m = 13.26 Ohm/um.
  EXPECT_NEAR(TechNode::builtin("22nm").wire_resistance_per_length(), 4.03e-8 / (40e-9 * 1.9 * 40e-9), 1.0);
  EXPECT_NEAR(TechNode::builtin("22nm").wire_resistance_per_length(), 1.3257e7, 1e3);
  // A tech section may replace them.
  const Params p = Params::from_string(
      "tech: {node: 22nm, wire: {width: 50 nm, aspect_ratio: 2, resistivity_uOhm_cm: 3}}\n", "t.yaml");
  const TechNode t = TechNode::from_params(p.child("tech"));
  EXPECT_NEAR(t.wire_resistance_per_length(), 3e-8 / (50e-9 * 2.0 * 50e-9), 1.0);
}

TEST(TechNode, TheNineNodesOfNeuroSimsTables) {
  // NeuroSim V1.3 Technology.cpp has conventional CMOS at 130, 90, 65, 45, 32, 22, 14, 10 and 7 nm
  // (no 28 nm); listed by feature size.
  const std::vector<std::string> expected{"7nm", "10nm", "14nm", "22nm", "32nm", "45nm", "65nm", "90nm", "130nm"};
  EXPECT_EQ(TechNode::builtin_names(), expected);
  // Typed from NeuroSim V1.3 Technology.cpp (HP vdd) and SarADC.cpp (HP fit), not from the code.
  struct Row {
    const char* name;
    double f_nm, vdd, a, b, c, k;
  };
  for (const Row& r :
       {Row{"130nm", 130, 1.3, 6.4806, 49.047, 0.207452, -2.367},
        Row{"90nm", 90, 1.2, 4.3474, 31.782, 0.164900, -2.345}, Row{"14nm", 14, 0.8, 0.4710, 1.9529, 0.060584, -2.311},
        Row{"10nm", 10, 0.75, 0.3076, 1.1543, 0.049418, -2.311},
        Row{"7nm", 7, 0.7, 0.2008, 0.6823, 0.040310, -2.311}}) {
    const TechNode t = TechNode::builtin(r.name);
    EXPECT_DOUBLE_EQ(t.feature_size, r.f_nm * 1e-9) << r.name;
    EXPECT_DOUBLE_EQ(t.vdd, r.vdd) << r.name;
    EXPECT_DOUBLE_EQ(t.sar.a, r.a) << r.name;
    EXPECT_DOUBLE_EQ(t.sar.b, r.b) << r.name;
    EXPECT_DOUBLE_EQ(t.sar.c, r.c) << r.name;
    EXPECT_DOUBLE_EQ(t.sar.k, r.k) << r.name;
    // SRAM per bit as the existing nodes: Horowitz 0.15625 pJ x (F/45 nm)(Vdd/0.9 V)^2 and
    // Vdd x 100 nA/um x 6 F, both within the 4-digit rounding of the table.
    const double e = 0.15625e-12 * (r.f_nm / 45.0) * (r.vdd / 0.9) * (r.vdd / 0.9);
    EXPECT_NEAR(t.sram_energy_per_bit_8KB, e, 5e-4 * e) << r.name;
    EXPECT_NEAR(t.sram_leakage_per_bit, r.vdd * 0.1 * 6.0 * r.f_nm * 1e-9, 1e-15) << r.name;
  }
  // Minimum transistor: NeuroSim formula.cpp CalculateGateArea. Planar (F >= 22 nm): 28 F x
  // 2 (1 + 2.8) F = 212.8 F^2; FinFET (F <= 14 nm): 34 F x 2 (1.4 + 3.9) F = 360.4 F^2.
  EXPECT_DOUBLE_EQ(TechNode::builtin("130nm").min_transistor_area_F2, 28.0 * 7.6);
  EXPECT_DOUBLE_EQ(TechNode::builtin("90nm").min_transistor_area_F2, 28.0 * 7.6);
  for (const char* fin : {"14nm", "10nm", "7nm"}) {
    EXPECT_DOUBLE_EQ(TechNode::builtin(fin).min_transistor_area_F2, 34.0 * 10.6) << fin;
  }
  // The four nodes that existed before keep their values.
  const TechNode n22 = TechNode::builtin("22nm");
  EXPECT_DOUBLE_EQ(n22.vdd, 0.85);
  EXPECT_DOUBLE_EQ(n22.sar.c, 0.084273);
  EXPECT_DOUBLE_EQ(n22.min_transistor_area_F2, 212.8);
  EXPECT_DOUBLE_EQ(n22.sram_energy_per_bit_8KB, 0.06814e-12);
  EXPECT_DOUBLE_EQ(n22.sram_leakage_per_bit, 11.22e-9);
  EXPECT_DOUBLE_EQ(TechNode::builtin("65nm").sram_energy_per_bit_8KB, 0.3371e-12);
  EXPECT_DOUBLE_EQ(TechNode::builtin("45nm").sram_leakage_per_bit, 27e-9);
  EXPECT_DOUBLE_EQ(TechNode::builtin("32nm").sram_energy_per_bit_8KB, 0.1111e-12);
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
  EXPECT_EQ(n, 16);  // 7 periphery cards + 9 technology tables
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
  // 28 nm has no NeuroSim table: refused in one line that names every available node.
  const std::string all = "7nm, 10nm, 14nm, 22nm, 32nm, 45nm, 65nm, 90nm, 130nm";
  const std::string msg = adc_error("adc:\n  impl: flash\n  tech: 28nm\n  bits: 4\n");
  expect_one_line(msg, "<test>:3", "adc.tech");
  EXPECT_NE(msg.find(all), std::string::npos) << msg;
  EXPECT_NE(msg.find("28nm"), std::string::npos) << msg;
  const std::string tech_msg = testing::config_error([] {
    const Params root = Params::from_string("tech:\n  node: 28nm\n", "<test>");
    (void)TechNode::from_params(root.child("tech"));
  });
  expect_one_line(tech_msg, "<test>:2", "tech.node");
  EXPECT_NE(tech_msg.find(all), std::string::npos) << tech_msg;
  EXPECT_NE(tech_msg.find("feature_size, vdd and sar_fit"), std::string::npos) << tech_msg;
  // Without a node the same list is given.
  const std::string missing = testing::config_error([] {
    const Params root = Params::from_string("tech:\n  vdd: 0.9 V\n", "<test>");
    (void)TechNode::from_params(root.child("tech"));
  });
  EXPECT_NE(missing.find("tech.node"), std::string::npos) << missing;
  EXPECT_NE(missing.find(all), std::string::npos) << missing;
  // 7 nm is a table now; a 28 nm chip is a table adapted by its keys.
  const Params root = Params::from_string("tech:\n  node: 32nm\n  feature_size: 28 nm\n  vdd: 0.9 V\n", "<test>");
  const TechNode t = TechNode::from_params(root.child("tech"));
  EXPECT_DOUBLE_EQ(t.feature_size, 28e-9);
  EXPECT_DOUBLE_EQ(TechNode::builtin("7nm").vdd, 0.7);
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
