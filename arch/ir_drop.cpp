#include "arch/ir_drop.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <cmath>
#include <exception>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace xbarsim::arch {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

void check_wires(const WireSegments& w) {
  if (!(w.row_ohm > 0.0) || !(w.col_ohm > 0.0)) {
    throw std::invalid_argument("ir_drop: the wire segments' resistances must be > 0");
  }
}

// Node numbering of the nodal system: row node (i, j) = i C + j, column node (i, j) = R C + j R + i.
struct Nodes {
  Eigen::Index rows, cols;
  Eigen::Index u(Eigen::Index i, Eigen::Index j) const { return i * cols + j; }
  Eigen::Index w(Eigen::Index i, Eigen::Index j) const { return rows * cols + j * rows + i; }
};

// Kirchhoff's current law at every node, unknowns the node voltages: K x = b. Row node (i, j):
// g_r (segment to the left: node j-1 or the driver) + g_r (to node j+1, unless j is the last) +
// G_ij on the diagonal, -g_r per neighbour row node, -G_ij to column node (i, j). Column node
// (i, j): g_c (segment below: node i+1 or the sense amp) + g_c (to node i-1, unless i = 0) + G_ij,
// -g_c per neighbour column node, -G_ij to row node (i, j). The driver (V_i) and the sense amp
// (0 V) are fixed potentials: the driver adds g_r V_i to b at row node (i, 0).
Eigen::SparseMatrix<double> nodal_matrix(const MatrixXd& g, const WireSegments& wires) {
  const Nodes n{g.rows(), g.cols()};
  const double gr = 1.0 / wires.row_ohm;
  const double gc = 1.0 / wires.col_ohm;
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(static_cast<std::size_t>(10 * g.size()));
  for (Eigen::Index i = 0; i < n.rows; ++i) {
    for (Eigen::Index j = 0; j < n.cols; ++j) {
      const double gij = g(i, j);
      const bool right = j + 1 < n.cols;
      const bool above = i > 0;
      t.emplace_back(n.u(i, j), n.u(i, j), gr + (right ? gr : 0.0) + gij);
      t.emplace_back(n.w(i, j), n.w(i, j), gc + (above ? gc : 0.0) + gij);
      t.emplace_back(n.u(i, j), n.w(i, j), -gij);
      t.emplace_back(n.w(i, j), n.u(i, j), -gij);
      if (right) {
        t.emplace_back(n.u(i, j), n.u(i, j + 1), -gr);
        t.emplace_back(n.u(i, j + 1), n.u(i, j), -gr);
      }
      if (i + 1 < n.rows) {
        t.emplace_back(n.w(i, j), n.w(i + 1, j), -gc);
        t.emplace_back(n.w(i + 1, j), n.w(i, j), -gc);
      }
    }
  }
  Eigen::SparseMatrix<double> k(2 * g.size(), 2 * g.size());
  k.setFromTriplets(t.begin(), t.end());
  return k;
}

using Ldlt = Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>>;

void factor(Ldlt& ldlt, const Eigen::SparseMatrix<double>& k) {
  ldlt.compute(k);
  if (ldlt.info() != Eigen::Success) throw std::runtime_error("ir_drop: the nodal system could not be factored");
}

// Adds column j's share of a transfer from the node voltages of every unit drive (K drives, one
// per row): u_prev (R x K) the row node voltages left of column j (the drivers for j = 0), u and
// w those of column j. The row segment into node j carries (u_prev - u) / r_row; the column
// segment below node i carries the cells' currents above it, sum over i' <= i of G (u - w), and
// the last one is the sense current. Every segment adds I^T r I to the wire form.
class TransferBuilder {
 public:
  TransferBuilder(const MatrixXd& g, const WireSegments& wires) : g_(g), wires_(wires) {
    const Eigen::Index r = g.rows();
    out_.current.resize(r, g.cols());
    out_.wire.setZero(r, r);
  }

  // `irow`: the current of the row segment into node j, R x K.
  void add(Eigen::Index j, const MatrixXd& irow, const MatrixXd& u, const MatrixXd& w) {
    const Eigen::Index rows = g_.rows();
    out_.wire.selfadjointView<Eigen::Lower>().rankUpdate(irow.transpose(), wires_.row_ohm);
    icol_.noalias() = g_.col(j).asDiagonal() * (u - w);
    for (Eigen::Index i = 1; i < rows; ++i) icol_.row(i) += icol_.row(i - 1);
    out_.current.col(j) = icol_.row(rows - 1).transpose();
    out_.wire.selfadjointView<Eigen::Lower>().rankUpdate(icol_.transpose(), wires_.col_ohm);
  }

  IrDropTransfer finish() {
    out_.wire = out_.wire.selfadjointView<Eigen::Lower>();
    return std::move(out_);
  }

 private:
  const MatrixXd& g_;
  const WireSegments& wires_;
  IrDropTransfer out_;
  MatrixXd icol_;
};

IrDropTransfer transfer_exact(const MatrixXd& g, const WireSegments& wires) {
  const Nodes n{g.rows(), g.cols()};
  const Eigen::SparseMatrix<double> k = nodal_matrix(g, wires);
  Ldlt ldlt;
  factor(ldlt, k);
  // One right-hand side per row drive of 1 V: g_r at row node (i, 0).
  MatrixXd b = MatrixXd::Zero(k.rows(), n.rows);
  for (Eigen::Index i = 0; i < n.rows; ++i) b(n.u(i, 0), i) = 1.0 / wires.row_ohm;
  const MatrixXd x = ldlt.solve(b);
  TransferBuilder t(g, wires);
  MatrixXd u_prev = MatrixXd::Identity(n.rows, n.rows);
  MatrixXd u(n.rows, n.rows);
  MatrixXd w(n.rows, n.rows);
  for (Eigen::Index j = 0; j < n.cols; ++j) {
    for (Eigen::Index i = 0; i < n.rows; ++i) {
      u.row(i) = x.row(n.u(i, j));
      w.row(i) = x.row(n.w(i, j));
    }
    t.add(j, (u_prev - u) / wires.row_ohm, u, w);
    u_prev.swap(u);
  }
  return t.finish();
}

// Solves M x = b in place for every column of b, M the column chain of column j: diagonal
// g_c (below) + g_c (above, i > 0) + G_ij, off-diagonals -g_c (the Thomas algorithm; M is
// diagonally dominant, so no pivoting).
class ColumnChain {
 public:
  ColumnChain(Eigen::Index rows, double col_ohm) : gc_(1.0 / col_ohm), cp_(rows), den_(rows) {}

  void solve(const Eigen::Ref<const VectorXd>& g, MatrixXd& b) {
    const Eigen::Index r = g.size();
    for (Eigen::Index i = 0; i < r; ++i) {
      const double d = gc_ + (i > 0 ? gc_ : 0.0) + g(i);
      den_(i) = i > 0 ? d + gc_ * cp_(i - 1) : d;
      cp_(i) = -gc_ / den_(i);
      if (i > 0) b.row(i) += gc_ * b.row(i - 1);
      b.row(i) /= den_(i);
    }
    for (Eigen::Index i = r - 2; i >= 0; --i) b.row(i) -= cp_(i) * b.row(i + 1);
  }

 private:
  double gc_;
  VectorXd cp_;
  VectorXd den_;
};

// S_j = diag(G_j) - diag(G_j) M_j^-1 diag(G_j): the admittance of column j's network (its cells,
// its wire, its sense amp at 0 V) seen from the row nodes of column j.
void column_admittance(const Eigen::Ref<const VectorXd>& gj, ColumnChain& chain, MatrixXd& s) {
  MatrixXd x = gj.asDiagonal().toDenseMatrix();
  chain.solve(gj, x);
  s.noalias() = -(gj.asDiagonal() * x);
  s.diagonal() += gj;
  s = 0.5 * (s + s.transpose()).eval();
}

IrDropTransfer transfer_fast(const MatrixXd& g, const WireSegments& wires) {
  const Eigen::Index rows = g.rows();
  const Eigen::Index cols = g.cols();
  const double rr = wires.row_ohm;
  ColumnChain chain(rows, wires.col_ohm);
  // Backward: Y_j, the admittance seen from row nodes j into column j and everything right of
  // it; Y_{C-1} = S_{C-1} (the rows end there), Y_{j-1} = S_{j-1} + B_j with B_j = Y_j (I + r_row
  // Y_j)^-1, the series of one row segment and Y_j (symmetric: a function of Y_j).
  std::vector<MatrixXd> b(static_cast<std::size_t>(cols));
  MatrixXd y(rows, rows);
  MatrixXd s(rows, rows);
  column_admittance(g.col(cols - 1), chain, y);
  const MatrixXd id = MatrixXd::Identity(rows, rows);
  for (Eigen::Index j = cols - 1; j >= 0; --j) {
    const Eigen::LLT<MatrixXd> llt(id + rr * y);
    if (llt.info() != Eigen::Success) throw std::runtime_error("ir_drop: a row admittance is not positive definite");
    MatrixXd& bj = b[static_cast<std::size_t>(j)];
    bj = llt.solve(y);
    bj = 0.5 * (bj + bj.transpose()).eval();
    if (j > 0) {
      column_admittance(g.col(j - 1), chain, s);
      y = s + bj;
    }
  }
  // Forward: the current of row segment j is B_j u_{j-1} (u_{-1} = the drive), u_j = u_{j-1} -
  // r_row B_j u_{j-1}; column j's nodes w_j = M_j^-1 diag(G_j) u_j.
  TransferBuilder t(g, wires);
  MatrixXd u_prev = id;
  MatrixXd irow(rows, rows);
  MatrixXd u(rows, rows);
  MatrixXd w(rows, rows);
  for (Eigen::Index j = 0; j < cols; ++j) {
    irow.noalias() = b[static_cast<std::size_t>(j)] * u_prev;
    u = u_prev - rr * irow;
    w.noalias() = g.col(j).asDiagonal() * u;
    chain.solve(g.col(j), w);
    t.add(j, irow, u, w);
    u_prev.swap(u);
  }
  return t.finish();
}

}  // namespace

IrDropRead solve_ir_drop(const MatrixXd& g, const VectorXd& v, const WireSegments& wires) {
  check_wires(wires);
  const Nodes n{g.rows(), g.cols()};
  const Eigen::SparseMatrix<double> k = nodal_matrix(g, wires);
  Ldlt ldlt;
  factor(ldlt, k);
  VectorXd b = VectorXd::Zero(k.rows());
  for (Eigen::Index i = 0; i < n.rows; ++i) b(n.u(i, 0)) = v(i) / wires.row_ohm;
  const VectorXd x = ldlt.solve(b);
  IrDropRead out;
  out.row_node.resize(n.rows, n.cols);
  out.col_node.resize(n.rows, n.cols);
  for (Eigen::Index i = 0; i < n.rows; ++i) {
    for (Eigen::Index j = 0; j < n.cols; ++j) {
      out.row_node(i, j) = x(n.u(i, j));
      out.col_node(i, j) = x(n.w(i, j));
    }
  }
  const MatrixXd& u = out.row_node;
  const MatrixXd& w = out.col_node;
  // Powers from the node voltages, segment by segment: I^2 r = (delta V)^2 / r.
  double wire = 0.0;
  for (Eigen::Index i = 0; i < n.rows; ++i) {
    for (Eigen::Index j = 0; j < n.cols; ++j) {
      const double left = j == 0 ? v(i) : u(i, j - 1);
      const double below = i + 1 < n.rows ? w(i + 1, j) : 0.0;
      wire += (left - u(i, j)) * (left - u(i, j)) / wires.row_ohm;
      wire += (w(i, j) - below) * (w(i, j) - below) / wires.col_ohm;
    }
  }
  out.wire_power = wire;
  out.cell_power = (g.array() * (u - w).array().square()).sum();
  out.input_power = (v.array() * (v - u.col(0)).array()).sum() / wires.row_ohm;
  out.column_current = w.row(n.rows - 1).transpose() / wires.col_ohm;
  return out;
}

IrDropTransfer ir_drop_transfer(const MatrixXd& g, const WireSegments& wires, IrDropMethod method) {
  check_wires(wires);
  if (g.size() == 0) throw std::invalid_argument("ir_drop: an empty array");
  return method == IrDropMethod::kExact ? transfer_exact(g, wires) : transfer_fast(g, wires);
}

double wire_resistance_per_cell(const periphery::TechNode& tech, double cell_area_F2) {
  const double pitch = std::sqrt(cell_area_F2) * tech.feature_size;
  return tech.wire_resistance_per_length() * pitch;
}

void ArrayWires::update(const CrossbarArray& array) {
  if (version_ == array.version()) return;
  const int rows = array.rows();
  const int wcols = array.weight_cols();
  const bool differential = array.encoding() == WeightEncoding::kDifferential;
  const int dcols = array.device_cols();
  const double r = spec_.wire_resistance_per_cell;
  if (r == 0.0) {
    read_ = array.effective();
    wire_.setZero(rows, rows);
  } else {
    // The physical columns, left to right: the devices, then the offset encoding's reference.
    MatrixXd g(rows, differential ? dcols : dcols + 1);
    g.leftCols(dcols) = array.conductances().cast<double>();
    if (!differential) g.col(dcols).setConstant(array.reference_conductance());
    // The solve runs on a thread of its own, joined at once: the tiles read inside SystemC's
    // coroutine, whose stack is too small for Eigen's blocked products of R x R double matrices
    // (their packing buffers, up to 128 KB each, go on the stack).
    IrDropTransfer t;
    std::exception_ptr error;
    std::thread solver([&] {
      try {
        t = ir_drop_transfer(g, WireSegments{r, r}, spec_.method);
      } catch (...) {
        error = std::current_exception();
      }
    });
    solver.join();
    if (error) std::rethrow_exception(error);
    read_.resize(rows, wcols);
    for (int j = 0; j < wcols; ++j) {
      read_.col(j) = differential ? (t.current.col(2 * j) - t.current.col(2 * j + 1)).cast<float>()
                                  : (t.current.col(j) - t.current.col(dcols)).cast<float>();
    }
    wire_ = t.wire.cast<float>();
  }
  version_ = array.version();
}

double ArrayWires::wire_conductance(const Eigen::MatrixXf& drive, int active) {
  // sum_n d_n^T Q d_n = sum_ik Q_ik (D D^T)_ik, D D^T from one symmetric rank update.
  gram_.setZero(active, active);
  gram_.selfadjointView<Eigen::Lower>().rankUpdate(drive.topRows(active));
  double sum = 0.0;
  for (int k = 0; k < active; ++k) {
    sum += static_cast<double>(wire_(k, k)) * gram_(k, k);
    for (int i = k + 1; i < active; ++i) sum += 2.0 * static_cast<double>(wire_(i, k)) * gram_(i, k);
  }
  return sum;
}

}  // namespace xbarsim::arch
