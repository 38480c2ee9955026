// Technology parameters of one CMOS node that the periphery cost models read (feature size,
// supply, NeuroSim SAR fit, transistor and SRAM cell footprints, SRAM energies) and the array
// wires' geometry and resistivity (IR drop).
// Nodes: the nine conventional-CMOS nodes of NeuroSim V1.3's tables, 130 nm to 7 nm (no 28 nm).
// Sources: NeuroSim V1.3 (SarADC.cpp, Technology.cpp, formula.cpp, constant.h, Param.cpp), Horowitz ISSCC 2014,
// CACTI 6.5; the tables are the YAML files configs/tech/<node>.yaml (same numbers, with
// their derivations), see docs/periphery/tech_node.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/params.hpp"

namespace xbarsim::periphery {

// The parameters of one technology node; plain data, SI units.
struct TechNode {
  // NeuroSim's SAR ADC power fit P = (a bits + b) uW + c exp(k log10(R')) W (Peng et al., IEDM 2019).
  struct SarFit {
    double a = 0.0;
    double b = 0.0;
    double c = 0.0;
    double k = 0.0;
  };

  std::string name;                      // the base table: "7nm" ... "130nm" (builtin_names())
  double feature_size = 0.0;             // F, m
  double vdd = 0.0;                      // nominal supply, V
  SarFit sar;                            // dimensionless fit coefficients
  double min_transistor_area_F2 = 0.0;   // footprint of one minimum-size transistor, in F^2
  double sram_cell_area_F2 = 0.0;        // 6T SRAM cell, in F^2
  double sram_energy_per_bit_8KB = 0.0;  // dynamic energy per bit accessed in an 8 KB array, J
  double sram_leakage_per_bit = 0.0;     // static power per stored bit, W
  // The array's metal wires (IR drop): width (the metal half pitch), thickness / width, and the
  // effective resistivity at that width (copper with its size effect), Ohm m.
  double wire_width = 0.0;         // m
  double wire_aspect_ratio = 0.0;  // -
  double wire_resistivity = 0.0;   // Ohm m

  // F^2 in m^2.
  double f2() const { return feature_size * feature_size; }
  // Resistance per length of one array wire, rho / (w x aspect ratio x w), Ohm/m.
  double wire_resistance_per_length() const { return wire_resistivity / (wire_width * wire_width * wire_aspect_ratio); }

  // Builds a node from a `tech:` section: `node` (required, one of builtin_names()) selects
  // the base table and every other key, when given, replaces the table's value.
  static TechNode from_params(const Params& tech);

  // The base table of a node (the same numbers as configs/tech/<name>.yaml).
  // Precondition: `name` is one of builtin_names() (otherwise std::out_of_range).
  static TechNode builtin(std::string_view name);
  static std::vector<std::string> builtin_names();

  // For a periphery card validated on its own (`xbarsim validate configs/periphery/x.yaml`):
  // reads the optional key `tech` of the part's section (a node name, default 22nm). Inside a
  // chip configuration the chip's `tech:` section is used instead and this key is not read.
  static TechNode for_card(const Params& section);
};

}  // namespace xbarsim::periphery
