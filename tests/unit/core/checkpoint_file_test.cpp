// The checkpoint envelope: CRC-32, round trip, and each refusal with its one line.
#include "core/checkpoint_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/error.hpp"

namespace xbarsim {
namespace {

// The CRC-32 catalogue's check value: CRC-32/ISO-HDLC of the ASCII "123456789" is 0xCBF43926.
TEST(CheckpointFile, Crc32MatchesTheCatalogueCheckValue) { EXPECT_EQ(crc32_of("123456789"), 0xCBF43926u); }

class CheckpointFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("xbarsim_ckpt_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = dir_ / "checkpoint.bin";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string message(const std::string& config) {
    try {
      read_checkpoint_file(file_, config, dir_ / "config.resolved.yaml");
    } catch (const DataError& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
  std::filesystem::path file_;
};

const std::string kConfig = "a: 1\nb: 2\nc: 3\n";

TEST_F(CheckpointFileTest, RoundTrip) {
  const std::string payload("\0\1\2state", 8);
  write_checkpoint_file(file_, kConfig, payload);
  // 8 magic + 2 x 8 lengths + 4 CRC + config + payload.
  EXPECT_EQ(std::filesystem::file_size(file_), 28 + kConfig.size() + payload.size());
  EXPECT_EQ(read_checkpoint_file(file_, kConfig, dir_ / "config.resolved.yaml"), payload);
}

TEST_F(CheckpointFileTest, AChangedConfigurationNamesItsFirstDifferingLine) {
  write_checkpoint_file(file_, kConfig, "x");
  EXPECT_NE(message("a: 1\nb: 5\nc: 3\n").find("config.resolved.yaml: line 2 (`b: 5`, the run started with `b: 2`)"),
            std::string::npos);
  EXPECT_NE(message("a: 1\nb: 2\n").find("line 3 (the run started with `c: 3` there"), std::string::npos);
}

TEST_F(CheckpointFileTest, AFlippedByteFailsTheChecksum) {
  write_checkpoint_file(file_, kConfig, "payload");
  {
    std::fstream f(file_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-2, std::ios::end);
    f.put('?');
  }
  EXPECT_NE(message(kConfig).find("damaged checkpoint (its CRC-32 does not match"), std::string::npos);
}

TEST_F(CheckpointFileTest, TruncatedAndForeignFilesAreRefused) {
  write_checkpoint_file(file_, kConfig, "payload");
  std::filesystem::resize_file(file_, std::filesystem::file_size(file_) - 3);
  EXPECT_NE(message(kConfig).find("truncated or damaged checkpoint"), std::string::npos);
  std::ofstream(file_) << "#!/bin/sh\n";
  EXPECT_NE(message(kConfig).find("not an xbarsim checkpoint"), std::string::npos);
  std::filesystem::remove(file_);
  EXPECT_NE(message(kConfig).find("no checkpoint to resume from"), std::string::npos);
}

TEST(CheckpointFile, BytesLeftCountsWhatIsUnread) {
  std::istringstream in(std::string(20, 'x'));
  EXPECT_EQ(bytes_left(in), 20u);
  in.ignore(7);
  EXPECT_EQ(bytes_left(in), 13u);
}

}  // namespace
}  // namespace xbarsim
