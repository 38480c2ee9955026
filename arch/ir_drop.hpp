// IR drop: the resistive network of one crossbar array with wire resistance (no SystemC).
// Each row wire is driven at its left end by the row's DAC voltage through one wire segment,
// each column wire is sensed at its bottom end by a virtual-ground sense amplifier (0 V) through
// one segment; between adjacent cells a row has one segment of r_row and a column one of r_col;
// cell (i, j) is a conductance G_ij between row node (i, j) and column node (i, j). Unknowns: the
// 2 R C node voltages; Kirchhoff's current law at every node gives a sparse, symmetric positive
// definite nodal system (the formulation of Joksas and Mehonic, "badcrossbar: A Python tool for
// computing and plotting currents and voltages in passive crossbar arrays", SoftwareX 12, 100617,
// 2020). IR drop in crossbar reads: Chen et al., "Technology-design co-optimization of resistive
// cross-point array for accelerating learning algorithms on chip", DATE 2015, pp. 854-859; Liu
// et al., "Reduction and IR-drop compensations techniques for reliable neuromorphic computing
// systems", ICCAD 2014 (doi 10.1109/ICCAD.2014.7001330). docs/arch/ir_drop.md.
//
// The cells are linear, so the network is: the column currents are I = T^T V for a transfer
// matrix T (R x C) that depends on G and the wires only, and the power the wires dissipate is
// the quadratic form V^T Q V (Q: R x R). Both are computed once per conductance state; every read
// is then one matrix product, as without wires.
//   - exact: the nodal system factored by Eigen's SimplicialLDLT and solved for the R unit row
//     drives (the reference);
//   - fast:  the same matrices by block elimination along the rows: each column's tridiagonal
//     chain is reduced to its admittance S_j seen from the row nodes, then the rows are swept
//     from the far end to the drivers (Y_j = S_j + B_{j+1}, B = Y (I + r_row Y)^-1) and back (the
//     block tridiagonal LU factorization, Golub and Van Loan, "Matrix Computations"). Exact too
//     (the same linear algebra, not an approximation), and faster than the sparse solve.
// Not chosen: CrossSim's (Sandia, github.com/sandialabs/cross-sim) iterative parasitic solver
// per input vector, and alternating line relaxation per vector: both cost a solve per vector,
// where the transfer matrix costs one per conductance state (docs/arch/ir_drop.md).
#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "arch/crossbar_array.hpp"
#include "periphery/tech_node.hpp"

namespace xbarsim::arch {

// Resistance of one wire segment of a row and of a column, Ohm (both > 0 for the solvers).
struct WireSegments {
  double row_ohm = 0.0;
  double col_ohm = 0.0;
};

enum class IrDropMethod { kFast, kExact };

// arch.array.ir_drop (ChipSpec): whether reads see wire resistance, how it is solved, and the
// resistance of one segment (per cell pitch) of every row and column wire, Ohm.
struct IrDropSpec {
  bool enabled = false;
  IrDropMethod method = IrDropMethod::kFast;
  double wire_resistance_per_cell = 0.0;
};

// One read solved node by node (the nodal system factored and solved for this drive).
struct IrDropRead {
  Eigen::MatrixXd row_node;        // R x C, V
  Eigen::MatrixXd col_node;        // R x C, V
  Eigen::VectorXd column_current;  // C, A: out of the bottom of each column into its sense amp
  double input_power = 0.0;        // W delivered by the row drivers
  double cell_power = 0.0;         // W dissipated in the cells, sum G (u - w)^2
  double wire_power = 0.0;         // W dissipated in the wires, sum over segments of I^2 r
};

// Solves the network of conductances `g` (R x C, S, >= 0) driven by `v` (R, V). Precondition:
// w.row_ohm > 0 and w.col_ohm > 0.
IrDropRead solve_ir_drop(const Eigen::MatrixXd& g, const Eigen::VectorXd& v, const WireSegments& w);

// The network as linear maps: column currents I = current^T v (A per V of row drive), wire power
// v^T wire v (W per V^2, symmetric positive semi-definite).
struct IrDropTransfer {
  Eigen::MatrixXd current;  // R x C, S
  Eigen::MatrixXd wire;     // R x R, S
};

// The transfer of `g` (R x C, S, >= 0) by `method`. Precondition: w.row_ohm > 0, w.col_ohm > 0.
IrDropTransfer ir_drop_transfer(const Eigen::MatrixXd& g, const WireSegments& w, IrDropMethod method);

// Resistance of one wire segment from the node's interconnect table and the cell pitch, Ohm:
// r = rho_eff (pitch / (w h)) with w the node's wire width (metal half pitch), h = aspect ratio x w,
// and the pitch of a square cell of cell_area_F2 F^2, sqrt(cell_area_F2) F.
double wire_resistance_per_cell(const periphery::TechNode& tech, double cell_area_F2);

// The IR-drop view of one array's reads: the matrices of its current conductances, recomputed
// when they change (CrossbarArray::version()). Physical columns, left to right from the
// drivers: the device columns in order (a differential pair's G+ then G-), then the offset
// encoding's reference column. The read matrix is per weight column, T(G+) - T(G-) or
// T(G) - T(reference), as effective() is for G.
class ArrayWires {
 public:
  explicit ArrayWires(const IrDropSpec& spec) : spec_(spec) {}

  // Brings the matrices up to date with `array`'s conductances.
  void update(const CrossbarArray& array);
  // rows x weight_cols, S: column currents per volt of row drive through the wires.
  const Eigen::MatrixXf& read_matrix() const { return read_; }
  // rows x rows, S: the wire power of a drive v is v^T wire_form() v.
  const Eigen::MatrixXf& wire_form() const { return wire_; }
  // Sum over the vectors (columns) of `drive` (the first `active` rows) of d^T wire_form() d, S.
  double wire_conductance(const Eigen::MatrixXf& drive, int active);

 private:
  IrDropSpec spec_;
  std::uint64_t version_ = ~std::uint64_t{0};
  Eigen::MatrixXf read_;
  Eigen::MatrixXf wire_;
  Eigen::MatrixXf gram_;  // wire_conductance scratch: drive drive^T
};

}  // namespace xbarsim::arch
