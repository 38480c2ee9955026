// Technology node tables: the nine conventional-CMOS nodes of NeuroSim's technology tables
// (130, 90, 65, 45, 32, 22, 14, 10, 7 nm). Sources (each value's derivation is in
// configs/tech/<node>.yaml and docs/periphery/tech_node.md):
// - feature size, supply: NeuroSim V1.3 Technology.cpp, high-performance roadmap (PTM HP models);
// - SAR fit (a, b, c, k): NeuroSim V1.3 SarADC.cpp GetColumnPower, high-performance roadmap
//   (Peng et al., IEDM 2019); its last branch ("else // 7nm") is the 7 nm fit;
// - minimum transistor footprint: NeuroSim V1.3 formula.cpp CalculateGateArea with constant.h
//   rules. Planar (F >= 22 nm): 28 F transistor-region height (MAX_TRANSISTOR_HEIGHT) x
//   2 (POLY_WIDTH 1 + MIN_GAP_BET_GATE_POLY 2.8) F = 212.8 F^2. FinFET (F <= 14 nm): 34 F
//   (MAX_TRANSISTOR_HEIGHT_FINFET) x 2 (POLY_WIDTH_FINFET 1.4 + MIN_GAP_BET_GATE_POLY_FINFET 3.9) F
//   = 360.4 F^2 (a minimum transistor is one fin);
// - SRAM cell 146 F^2: CACTI 6.5 6T cell;
// - SRAM energy per bit: Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm, 0.9 V:
//   64-bit read of an 8 KB SRAM = 10 pJ), scaled by (F / 45 nm) (Vdd / 0.9 V)^2;
// - SRAM leakage per bit: estimate Vdd x I_off x W, ITRS PIDS HP I_off = 100 nA/um, W = 6 F;
// - array wires (IR drop, arch/ir_drop.hpp): the metal wire width (half pitch), aspect ratio and
//   effective copper resistivity with its size effect at 300 K, per node, as DNN+NeuroSim V1.3
//   Param.cpp tabulates them (wireWidth, AR, Rho; its 10 nm and 7 nm share the 18 nm row).
// NeuroSim has no 28 nm node (Technology.cpp refuses it; SarADC.cpp would fall through to the 7 nm
// fit), so neither has xbarsim: a 28 nm chip starts from a table and overrides its values.
#include "periphery/tech_node.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <optional>
#include <stdexcept>

#include "core/cards.hpp"
#include "core/units.hpp"

namespace xbarsim::periphery {
namespace {

using units::Dimension;

// 1 uOhm cm = 1e-6 Ohm x 1e-2 m.
constexpr double kOhmMetrePerMicroOhmCm = 1e-8;

// A base table as the text a YAML file would hold, so defaults are recorded verbatim.
struct TableText {
  std::string_view name;
  std::string_view feature_size;
  std::string_view vdd;
  double a, b, c, k;
  double min_transistor_area_F2;
  double sram_cell_area_F2;
  std::string_view sram_energy_per_bit_8KB;
  std::string_view sram_leakage_per_bit;
  std::string_view wire_width;
  double wire_aspect_ratio;
  double wire_resistivity_uOhm_cm;
};

// Ordered by feature size; builtin_names() and the error for an unknown node list them so.
constexpr std::array<TableText, 9> kTables{{
    {"7nm", "7 nm", "0.7 V", 0.2008, 0.6823, 0.040310, -2.311, 360.4, 146.0, "0.0147 pJ", "2.94 nW", "18 nm", 2.0,
     6.35},
    {"10nm", "10 nm", "0.75 V", 0.3076, 1.1543, 0.049418, -2.311, 360.4, 146.0, "0.02411 pJ", "4.5 nW", "18 nm", 2.0,
     6.35},
    {"14nm", "14 nm", "0.8 V", 0.4710, 1.9529, 0.060584, -2.311, 360.4, 146.0, "0.03841 pJ", "6.72 nW", "25 nm", 2.0,
     5.08},
    {"22nm", "22 nm", "0.85 V", 0.7213, 3.3041, 0.084273, -2.311, 212.8, 146.0, "0.06814 pJ", "11.22 nW", "40 nm", 1.9,
     4.03},
    {"32nm", "32 nm", "0.9 V", 1.0157, 7.6286, 0.083709, -2.313, 212.8, 146.0, "0.1111 pJ", "17.28 nW", "56 nm", 1.8,
     3.70},
    {"45nm", "45 nm", "1.0 V", 2.1843, 11.931, 0.097754, -2.296, 212.8, 146.0, "0.1929 pJ", "27 nW", "80 nm", 1.7,
     3.31},
    {"65nm", "65 nm", "1.1 V", 2.9503, 22.047, 0.128483, -2.321, 212.8, 146.0, "0.3371 pJ", "42.9 nW", "105 nm", 1.7,
     2.68},
    {"90nm", "90 nm", "1.2 V", 4.3474, 31.782, 0.164900, -2.345, 212.8, 146.0, "0.5556 pJ", "64.8 nW", "110 nm", 1.6,
     2.52},
    {"130nm", "130 nm", "1.3 V", 6.4806, 49.047, 0.207452, -2.367, 212.8, 146.0, "0.9418 pJ", "101.4 nW", "175 nm", 1.6,
     2.20},
}};

const TableText& table(std::string_view name) {
  for (const auto& t : kTables) {
    if (t.name == name) return t;
  }
  throw std::out_of_range("unknown technology node");
}

// Reads the node name at `key` (required when `default_name` is empty). A name without a table
// (28 nm, say) is refused with one error line that lists the tables and says what to do instead.
std::string node_name(const Params& p, std::string_view key, std::optional<std::string_view> default_name,
                      std::string_view instead) {
  std::vector<std::string_view> names;
  names.reserve(kTables.size());
  for (const auto& t : kTables) names.push_back(t.name);
  const std::string expected =
      fmt::format("one of: {} (the nodes of NeuroSim V1.3's technology tables, docs/periphery/tech_node.md; {})",
                  fmt::join(names, ", "), instead);
  if (!default_name && !p.has(key)) p.fail(key, expected);
  std::string name = default_name ? p.string_or(key, *default_name) : p.string(key);
  for (const auto& t : kTables) {
    if (t.name == name) return name;
  }
  p.fail(key, expected);
}

}  // namespace

std::vector<std::string> TechNode::builtin_names() {
  std::vector<std::string> out;
  out.reserve(kTables.size());
  for (const auto& t : kTables) out.emplace_back(t.name);
  return out;
}

TechNode TechNode::builtin(std::string_view name) {
  const TableText& t = table(name);
  TechNode n;
  n.name = std::string(t.name);
  n.feature_size = units::parse(t.feature_size, Dimension::kLength);
  n.vdd = units::parse(t.vdd, Dimension::kVoltage);
  n.sar = {t.a, t.b, t.c, t.k};
  n.min_transistor_area_F2 = t.min_transistor_area_F2;
  n.sram_cell_area_F2 = t.sram_cell_area_F2;
  n.sram_energy_per_bit_8KB = units::parse(t.sram_energy_per_bit_8KB, Dimension::kEnergy);
  n.sram_leakage_per_bit = units::parse(t.sram_leakage_per_bit, Dimension::kPower);
  n.wire_width = units::parse(t.wire_width, Dimension::kLength);
  n.wire_aspect_ratio = t.wire_aspect_ratio;
  n.wire_resistivity = t.wire_resistivity_uOhm_cm * kOhmMetrePerMicroOhmCm;
  return n;
}

TechNode TechNode::from_params(const Params& p) {
  const std::string name = node_name(p, "node", std::nullopt,
                                     "for another node take the nearest table and set feature_size, vdd and sar_fit");
  const TableText& t = table(name);
  TechNode n;
  n.name = name;
  n.feature_size = p.quantity_or("feature_size", Dimension::kLength, t.feature_size, 1e-9, 1e-6);
  n.vdd = p.quantity_or("vdd", Dimension::kVoltage, t.vdd, 0.1, 5.0);
  const Params fit = p.child_or_empty("sar_fit");
  n.sar.a = fit.real_or("a", t.a);
  n.sar.b = fit.real_or("b", t.b);
  n.sar.c = fit.real_or("c", t.c, 0.0);
  n.sar.k = fit.real_or("k", t.k);
  n.min_transistor_area_F2 = p.real_or("min_transistor_area_F2", t.min_transistor_area_F2, 1e-3);
  const Params sram = p.child_or_empty("sram");
  n.sram_cell_area_F2 = sram.real_or("cell_area_F2", t.sram_cell_area_F2, 1e-3);
  n.sram_energy_per_bit_8KB =
      sram.quantity_or("energy_per_bit_8KB", Dimension::kEnergy, t.sram_energy_per_bit_8KB, 0.0);
  n.sram_leakage_per_bit = sram.quantity_or("leakage_per_bit", Dimension::kPower, t.sram_leakage_per_bit, 0.0);
  const Params wire = p.child_or_empty("wire");
  n.wire_width = wire.quantity_or("width", Dimension::kLength, t.wire_width, 1e-9, 1e-5);
  n.wire_aspect_ratio = wire.real_or("aspect_ratio", t.wire_aspect_ratio, 0.1, 10.0);
  n.wire_resistivity =
      wire.real_or("resistivity_uOhm_cm", t.wire_resistivity_uOhm_cm, 0.1, 1000.0) * kOhmMetrePerMicroOhmCm;
  return n;
}

TechNode TechNode::for_card(const Params& section) {
  return builtin(node_name(section, "tech", "22nm", "a chip's tech section can adapt a table to another node"));
}

}  // namespace xbarsim::periphery

XBARSIM_REGISTER_CARD("tech", [](const xbarsim::Params& p) { (void)xbarsim::periphery::TechNode::from_params(p); })
