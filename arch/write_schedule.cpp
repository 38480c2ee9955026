#include "arch/write_schedule.hpp"

#include <algorithm>

namespace xbarsim::arch {

WriteSchedule::WriteSchedule(int rows, int columns, int parallel_rows, int parallel_columns)
    : rows_(rows),
      parallel_rows_(std::min(parallel_rows, rows)),
      columns_per_driver_((columns + std::min(parallel_columns, columns) - 1) / std::min(parallel_columns, columns)),
      row_steps_((rows + parallel_rows_ - 1) / parallel_rows_),
      step_max_(static_cast<std::size_t>(row_steps_) * static_cast<std::size_t>(columns_per_driver_), 0) {}

std::uint64_t WriteSchedule::step_work(std::span<const std::uint32_t> cells, std::span<const std::uint16_t> work) {
  touched_.clear();
  const auto rows = static_cast<std::uint32_t>(rows_);
  const auto k = static_cast<std::uint32_t>(columns_per_driver_);
  const auto p = static_cast<std::uint32_t>(parallel_rows_);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (work[i] == 0) continue;  // a cell with no pulse takes no step
    const std::uint32_t column = cells[i] / rows;
    const std::uint32_t row = cells[i] % rows;
    const std::uint32_t step = (row / p) * k + column % k;
    std::uint16_t& m = step_max_[step];
    if (m == 0) touched_.push_back(step);
    m = std::max(m, work[i]);
  }
  std::uint64_t total = 0;
  for (const std::uint32_t s : touched_) {
    total += step_max_[s];
    step_max_[s] = 0;
  }
  return total;
}

}  // namespace xbarsim::arch
