// End-to-end run of the fp32 experiment on a small synthetic IDX data set: the run folder holds
// every report file, and the same seed gives a byte-identical report.json.
#include "workloads/run.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "workloads/idx.hpp"

namespace xbarsim::workloads {
namespace {

std::string slurp(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Two classes that a linear model separates: label = whether the top half is brighter.
void write_fixture(const std::filesystem::path& dir, const std::string& split, std::uint32_t n) {
  IdxTensor img{{n, 28, 28}, std::vector<std::uint8_t>(std::size_t{n} * 784)};
  IdxTensor lab{{n}, std::vector<std::uint8_t>(n)};
  Rng rng(99, n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto y = static_cast<std::uint8_t>(rng.index(2));
    lab.data[i] = y;
    for (std::size_t p = 0; p < 784; ++p) {
      const bool top = p < 392;
      const double base = (top == (y == 1)) ? 160 : 60;
      img.data[i * 784 + p] = static_cast<std::uint8_t>(base + 60 * rng.uniform());
    }
  }
  write_idx(dir / (split + "-images-idx3-ubyte"), img);
  write_idx(dir / (split + "-labels-idx1-ubyte"), lab);
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder per test: ctest runs the tests of this file in parallel processes.
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("xbarsim_run_test_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    write_fixture(dir_ / "data", "train", 200);
    write_fixture(dir_ / "data", "t10k", 100);
  }
  Params config() const {
    return Params::from_string(
        "experiment: {name: tiny, impl: fp32_training, seed: 5}\n"
        "data: {dataset: mnist, dir: '" +
            (dir_ / "data").string() +
            "'}\n"
            "network: {layers: [784, 16, 10]}\n"
            "training: {epochs: 3, batch_size: 20, optimizer: {impl: sgd, learning_rate: 0.05}}\n",
        "tiny.yaml");
  }
  std::filesystem::path run(const std::string& name) const {
    const Params root = config();
    PreparedExperiment p = prepare_experiment(root);
    Progress progress(nullptr, true);
    execute(p, root, dir_ / name, progress, nullptr);
    return dir_ / name;
  }
  std::filesystem::path dir_;
};

TEST_F(RunTest, WritesEveryReportFileAndLearns) {
  const auto out = run("a");
  for (const char* f :
       {"report.json", "epochs.csv", "config.resolved.yaml", "energy.csv", "area.csv", "wallclock.json"}) {
    EXPECT_TRUE(std::filesystem::exists(out / f)) << f;
  }
  EXPECT_FALSE(std::filesystem::exists(out / "RUNNING"));
  const auto report = nlohmann::json::parse(slurp(out / "report.json"));
  EXPECT_EQ(report["results"]["epochs"].size(), 3u);
  // The two classes are separable by brightness: far above the 50 % of chance.
  EXPECT_GT(report["results"]["final"]["test_accuracy_pct"].get<double>(), 90.0);
  // Header plus one row per epoch, the contract version last.
  const std::string csv = slurp(out / "epochs.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "epoch,learning_rate,train_loss,train_accuracy_pct,test_accuracy_pct,wall_time_s,schema_version");
  EXPECT_EQ(csv.substr(csv.size() - 3), ",1\n");
  // report.json: the contract version is its first field.
  EXPECT_EQ(slurp(out / "report.json").rfind("{\n  \"schema_version\": 1,\n", 0), 0U);
}

TEST_F(RunTest, SameSeedGivesByteIdenticalReport) {
  const auto a = run("a");
  const auto b = run("b");
  EXPECT_EQ(slurp(a / "report.json"), slurp(b / "report.json"));
  EXPECT_EQ(slurp(a / "config.resolved.yaml"), slurp(b / "config.resolved.yaml"));
}

TEST_F(RunTest, RefusesANonEmptyRunFolder) {
  run("a");
  const Params root = config();
  PreparedExperiment p = prepare_experiment(root);
  Progress progress(nullptr, true);
  EXPECT_THROW(execute(p, root, dir_ / "a", progress, nullptr), UsageError);
}

// Missing data are found by the check of the inputs, before the run folder is made.
TEST_F(RunTest, MissingDataIsRefusedBeforeTheFolderIsMade) {
  std::filesystem::remove(dir_ / "data" / "t10k-images-idx3-ubyte");
  const Params root = config();
  PreparedExperiment p = prepare_experiment(root);
  Progress progress(nullptr, true);
  EXPECT_THROW(execute(p, root, dir_ / "f", progress, nullptr), DataError);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "f"));
}

// A fault only a full read finds (a truncated image file) fails the run inside its folder:
// FAILED marker with the error, no report.
TEST_F(RunTest, TruncatedDataLeavesFailedMarkerAndNoReport) {
  std::filesystem::resize_file(dir_ / "data" / "t10k-images-idx3-ubyte",
                               std::filesystem::file_size(dir_ / "data" / "t10k-images-idx3-ubyte") - 10);
  const Params root = config();
  PreparedExperiment p = prepare_experiment(root);
  Progress progress(nullptr, true);
  EXPECT_THROW(execute(p, root, dir_ / "f", progress, nullptr), DataError);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "f" / "FAILED"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "f" / "report.json"));
}

}  // namespace
}  // namespace xbarsim::workloads
