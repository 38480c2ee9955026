#include "arch/write_schedule.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace xbarsim::arch {
namespace {

// A 4 x 6 array (column-major: index = column x 4 + row) and seven cells to program, with their
// work (attempts): (row, column, work) = (0,0,3) (1,0,1) (0,2,2) (1,3,4) (2,1,1) (3,5,2) (2,4,5).
struct Cells {
  std::vector<std::uint32_t> index;
  std::vector<std::uint16_t> work;
  Cells() {
    const int rc_w[7][3] = {{0, 0, 3}, {1, 0, 1}, {0, 2, 2}, {1, 3, 4}, {2, 1, 1}, {3, 5, 2}, {2, 4, 5}};
    for (const auto& c : rc_w) {
      index.push_back(static_cast<std::uint32_t>(c[1] * 4 + c[0]));
      work.push_back(static_cast<std::uint16_t>(c[2]));
    }
  }
};

TEST(WriteSchedule, OneCellAtATimeIsTheSerialSum) {
  // One row and one column driver: every cell its own step, 3+1+2+4+1+2+5 = 18.
  Cells c;
  WriteSchedule s(4, 6, 1, 1);
  EXPECT_EQ(s.steps_per_pass(), 24);
  EXPECT_EQ(s.step_work(c.index, c.work), 18u);
}

TEST(WriteSchedule, SharedColumnDriversAndParallelRows) {
  // 2 rows per step, 3 column drivers of k = 2 columns each ({0,1}, {2,3}, {4,5}): step =
  // (row / 2) x 2 + column % 2. Step 0 (rows 0-1, columns 0, 2, 4): cells (0,0,3) (1,0,1)
  // (0,2,2): 3. Step 1 (rows 0-1, columns 1, 3, 5): (1,3,4): 4. Step 2 (rows 2-3, columns 0, 2,
  // 4): (2,4,5): 5. Step 3 (rows 2-3, columns 1, 3, 5): (2,1,1) (3,5,2): 2. Sum 3+4+5+2 = 14.
  Cells c;
  WriteSchedule s(4, 6, 2, 3);
  EXPECT_EQ(s.steps_per_pass(), 4);
  EXPECT_EQ(s.step_work(c.index, c.work), 14u);
}

TEST(WriteSchedule, RowByRowWithEveryColumnAtOnce) {
  // One row per step, a driver per column: the row's slowest cell. Rows 0..3: max(3,2) = 3,
  // max(1,4) = 4, max(1,5) = 5, 2: sum 14.
  Cells c;
  WriteSchedule s(4, 6, 1, 6);
  EXPECT_EQ(s.step_work(c.index, c.work), 14u);
}

TEST(WriteSchedule, FullParallelismIsTheSlowestCell) {
  // Every row and every column at once (parallelism above the array's is clipped): one step, 5.
  Cells c;
  WriteSchedule s(4, 6, 8, 100);
  EXPECT_EQ(s.steps_per_pass(), 1);
  EXPECT_EQ(s.step_work(c.index, c.work), 5u);
}

TEST(WriteSchedule, CellsWithoutWorkTakeNoStepAndCallsAreIndependent) {
  // A cell with 0 pulses adds nothing; a second call starts from an empty schedule.
  WriteSchedule s(4, 6, 1, 1);
  const std::vector<std::uint32_t> idx = {0, 5};
  const std::vector<std::uint16_t> none = {0, 0};
  EXPECT_EQ(s.step_work(idx, none), 0u);
  const std::vector<std::uint16_t> some = {2, 7};
  EXPECT_EQ(s.step_work(idx, some), 9u);
  EXPECT_EQ(s.step_work(idx, some), 9u);
}

}  // namespace
}  // namespace xbarsim::arch
