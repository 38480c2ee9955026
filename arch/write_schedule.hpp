// How a tile's write drivers serialise programming (docs/arch/timing.md, "Programming"): rows
// are written in steps of `parallel_rows` rows; in each row the columns share `parallel_columns`
// column drivers through a mux (driver d serves the adjacent columns d k .. d k + k - 1,
// k = ceil(columns / parallel_columns)), so one step pulses, at mux position m, column d k + m of
// every driver in every selected row at once. Each pulsed cell runs its own pulse and verify
// sequence, retries included, and is deselected once it converged: a step lasts as long as its
// slowest cell, and steps follow one another. With one row and one column per step (the default)
// the time is the serial sum of every cell's time; with full parallelism it is the slowest
// cell's.
// The unit of work is whatever is proportional to a cell's time within one call (its attempts,
// or its pulses): the schedule returns the sum over steps of the largest work in the step. Cost
// per call: O(cells listed), with scratch kept between calls (no allocation in steady state).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace xbarsim::arch {

class WriteSchedule {
 public:
  // An array of `rows` x `columns` device cells, addressed column-major (index = column x rows +
  // row, as CrossbarArray). Preconditions: every argument >= 1.
  WriteSchedule(int rows, int columns, int parallel_rows, int parallel_columns);

  int steps_per_pass() const { return row_steps_ * columns_per_driver_; }
  // Sum over the steps that hold a listed cell of the largest work[i] among them. Precondition:
  // work.size() == cells.size(), every index < rows x columns.
  std::uint64_t step_work(std::span<const std::uint32_t> cells, std::span<const std::uint16_t> work);

 private:
  int rows_;
  int parallel_rows_;
  int columns_per_driver_;
  int row_steps_;
  std::vector<std::uint16_t> step_max_;  // per step (row step x mux position), 0 when untouched
  std::vector<std::uint32_t> touched_;   // steps holding a cell in the current call
};

}  // namespace xbarsim::arch
