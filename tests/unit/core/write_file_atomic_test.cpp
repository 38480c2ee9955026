// write_file_atomic: the whole text or nothing under the name, environment errors as one
// EnvironmentError naming the path and the OS reason, and no temporary file left behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "core/error.hpp"
#include "core/report.hpp"

namespace xbarsim {
namespace {

class WriteFileAtomic : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("xbarsim_wfa_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string message(const std::filesystem::path& file) {
    try {
      write_file_atomic(file, "text\n");
    } catch (const EnvironmentError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
};

TEST_F(WriteFileAtomic, ReplacesTheWholeFile) {
  const auto file = dir_ / "a.txt";
  write_file_atomic(file, "first version, longer\n");
  write_file_atomic(file, "second\n");
  std::ifstream in(file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "second\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "a.txt.tmp"));
}

TEST_F(WriteFileAtomic, AMissingFolderIsNamedWithTheReason) {
  const auto file = dir_ / "missing" / "a.txt";
  EXPECT_EQ(message(file), file.string() + ": cannot write: No such file or directory");
}

TEST_F(WriteFileAtomic, AFolderInTheWayLeavesNoTemporary) {
  // The rename onto a non-empty folder fails after the temporary was written: it is removed.
  const auto file = dir_ / "taken";
  std::filesystem::create_directories(file / "inside");
  EXPECT_NE(message(file).find(file.string() + ": cannot replace: "), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "taken.tmp"));
}

}  // namespace
}  // namespace xbarsim
