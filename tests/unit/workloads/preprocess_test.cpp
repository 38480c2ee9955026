// data.preprocess (workloads/dataset.hpp): x = (p / scale - mean) / std of each raw pixel p, its
// defaults bit for bit p / 255, hand values of a normalisation, the keys' bounds, the record in
// report.json, and the configuration error for inputs that can be negative on an unsigned DAC.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "core/params.hpp"
#include "workloads/dataset.hpp"
#include "workloads/idx.hpp"
#include "workloads/run.hpp"

namespace xbarsim::workloads {
namespace {

namespace fs = std::filesystem;

// A data folder with both splits: 2 images of 28 x 28 whose first pixels are 0, 51, 64, 255
// and the rest 0 (labels 3, 7).
fs::path write_fixture() {
  const fs::path dir =
      fs::temp_directory_path() /
      ("xbarsim_preprocess_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  IdxTensor img{{2, 28, 28}, std::vector<std::uint8_t>(2 * 784, 0)};
  img.data[0] = 0;
  img.data[1] = 51;
  img.data[2] = 64;
  img.data[3] = 255;
  for (const char* split : {"train", "t10k"}) {
    write_idx(dir / (std::string(split) + "-images-idx3-ubyte"), img);
    write_idx(dir / (std::string(split) + "-labels-idx1-ubyte"), IdxTensor{{2}, {3, 7}});
  }
  return dir;
}

// The data section `data: {dataset: mnist, dir: DIR, preprocess: {PREPROCESS}}` (no preprocess
// section when PREPROCESS is empty), in a document named cfg.yaml.
Params data_config(const fs::path& dir, const std::string& preprocess) {
  std::string text = "data:\n  dataset: mnist\n  dir: '" + dir.string() + "'\n";
  if (!preprocess.empty()) text += "  preprocess: {" + preprocess + "}\n";
  return Params::from_string(text, "cfg.yaml");
}

std::string config_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

// The defaults reproduce the loader before data.preprocess existed, p / 255.0f, bit for bit:
// (p / 255 - 0) / 1 in float changes no bit.
TEST(Preprocess, DefaultsArePixelOver255BitForBit) {
  const Preprocess def;
  for (int p = 0; p < 256; ++p) {
    EXPECT_EQ(def.apply(static_cast<std::uint8_t>(p)), static_cast<float>(p) / 255.0F) << p;
  }
  EXPECT_FALSE(def.can_be_negative());

  const fs::path dir = write_fixture();
  const Params root = data_config(dir, "");
  const DataSpec s = DataSpec::from_params(root.child("data"));
  root.check_all_read();
  EXPECT_EQ(s.preprocess.scale, 255.0);
  EXPECT_EQ(s.preprocess.mean, 0.0);
  EXPECT_EQ(s.preprocess.std_dev, 1.0);
  const Dataset d = s.load("train");
  EXPECT_EQ(d.image(0)[1], 51.0F / 255.0F);
  EXPECT_EQ(d.image(0)[3], 1.0F);
  // Every default is written into the resolved configuration.
  EXPECT_NE(root.resolved_yaml().find("preprocess:"), std::string::npos) << root.resolved_yaml();
}

// torchvision's Normalize((0.1307,), (0.3081,)) after ToTensor, by hand:
//   p = 0:   (0 - 0.1307) / 0.3081          = -0.424212918
//   p = 51:  (51/255 - 0.1307) / 0.3081     = 0.0693 / 0.3081 = 0.224926972
//   p = 255: (1 - 0.1307) / 0.3081          = 0.8693 / 0.3081 = 2.821486530
// (float arithmetic: within 1e-6 of these). And scale 1, mean 128, std 64 (exact in float):
//   p = 0: -2, p = 64: -1, p = 255: 127 / 64 = 1.984375.
TEST(Preprocess, NormalisesByHand) {
  const fs::path dir = write_fixture();
  {
    const Params root = data_config(dir, "mean: 0.1307, std: 0.3081");
    const DataSpec s = DataSpec::from_params(root.child("data"));
    root.check_all_read();
    EXPECT_EQ(s.preprocess.scale, 255.0);
    for (const char* split : {"train", "t10k"}) {
      const Dataset d = s.load(split);
      EXPECT_NEAR(d.image(0)[0], -0.424212918, 1e-6);
      EXPECT_NEAR(d.image(0)[1], 0.224926972, 1e-6);
      EXPECT_NEAR(d.image(0)[3], 2.821486530, 1e-6);
      EXPECT_EQ(d.image(1)[500], d.image(0)[0]);  // every pixel, not only the first image's
    }
    EXPECT_TRUE(s.preprocess.can_be_negative());
  }
  {
    const Params root = data_config(dir, "scale: 1, mean: 128, std: 64");
    const DataSpec s = DataSpec::from_params(root.child("data"));
    const Dataset d = s.load("t10k");
    EXPECT_EQ(d.image(0)[0], -2.0F);
    EXPECT_EQ(d.image(0)[2], -1.0F);
    EXPECT_EQ(d.image(0)[3], 1.984375F);
  }
  // A negative mean only shifts upwards: nothing below 0 (1 + 0.5 at p = 0).
  const Params root = data_config(dir, "mean: -0.5");
  EXPECT_FALSE(DataSpec::from_params(root.child("data")).preprocess.can_be_negative());
  EXPECT_EQ(DataSpec::from_params(root.child("data")).load("train").image(0)[0], 0.5F);
}

// report.json's data record always holds the preprocessing, defaults included.
TEST(Preprocess, RecordedInTheDataRecord) {
  const fs::path dir = write_fixture();
  const DataSpec def = DataSpec::from_params(data_config(dir, "").child("data"));
  const Dataset a = def.load("train");
  const Dataset b = def.load("t10k");
  EXPECT_EQ(def.record(a, b)["preprocess"], nlohmann::json({{"scale", 255.0}, {"mean", 0.0}, {"std", 1.0}}));
  const DataSpec norm = DataSpec::from_params(data_config(dir, "mean: 0.1307, std: 0.3081").child("data"));
  EXPECT_EQ(norm.record(a, b)["preprocess"], nlohmann::json({{"scale", 255.0}, {"mean", 0.1307}, {"std", 0.3081}}));
}

// Each bad value is one line naming the file, the line and the key; so is an unknown key.
TEST(Preprocess, BadKeysNameFileLineAndKey) {
  const fs::path dir = write_fixture();
  const auto error_of = [&dir](const std::string& preprocess) {
    return config_error([&] {
      const Params root = data_config(dir, preprocess);
      (void)DataSpec::from_params(root.child("data"));
      root.check_all_read();
    });
  };
  EXPECT_EQ(error_of("std: 0"), "cfg.yaml:4: data.preprocess.std: expected a number in [1e-06, 1e+06], got '0'");
  EXPECT_EQ(error_of("std: -0.3"), "cfg.yaml:4: data.preprocess.std: expected a number in [1e-06, 1e+06], got '-0.3'");
  EXPECT_EQ(error_of("scale: 0"), "cfg.yaml:4: data.preprocess.scale: expected a number in [1e-06, 1e+06], got '0'");
  EXPECT_EQ(error_of("mean: 2e6"), "cfg.yaml:4: data.preprocess.mean: expected a number in [-1e+06, 1e+06], got '2e6'");
  EXPECT_EQ(error_of("mean: [0.5, 0.4]").rfind("cfg.yaml:4: data.preprocess.mean: expected a number", 0), 0U)
      << error_of("mean: [0.5, 0.4]");  // one value per key: single-channel data
  const std::string unknown = error_of("mean: 0.1, shift: 2");
  EXPECT_NE(unknown.find("cfg.yaml:4"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("data.preprocess.shift"), std::string::npos) << unknown;
}

// With mean > 0 a pixel of 0 becomes negative: an unsigned DAC would clip it to 0, so the
// experiment is refused with one line naming data.preprocess.mean and arch.dac.signed; a
// signed DAC, or a mean <= 0, is accepted.
TEST(Preprocess, NegativeInputsNeedASignedDac) {
  const fs::path dir = write_fixture();
  const Params root = data_config(dir, "mean: 0.1307, std: 0.3081");
  const Params data = root.child("data");
  const DataSpec s = DataSpec::from_params(data);
  const std::string e = config_error([&] { s.check_input_dac(data, false); });
  EXPECT_EQ(e,
            "cfg.yaml:4: data.preprocess.mean: expected 0 or less with an unsigned row DAC (arch.dac.signed: false), "
            "got '0.1307' (a pixel of 0 becomes -mean / std = -0.424213, which an unsigned DAC clips to 0: set "
            "arch.dac.signed: true)");
  EXPECT_NO_THROW(s.check_input_dac(data, true));
  const Params zero = data_config(dir, "mean: 0");
  EXPECT_NO_THROW(DataSpec::from_params(zero.child("data")).check_input_dac(zero.child("data"), false));

  // Through the shipped experiments: tiled inference and in-situ training build their chip with
  // the unsigned DAC of configs/arch/tile128.yaml.
  const fs::path experiments = fs::path(XBARSIM_SOURCE_DIR) / "configs/experiments";
  for (const char* file : {"mnist_infer_ideal.yaml", "mnist_insitu_dw5.yaml"}) {
    SCOPED_TRACE(file);
    Params refused = Params::from_file(experiments / file);
    refused.apply_override("data.preprocess.mean=0.1307");
    refused.apply_override("data.preprocess.std=0.3081");
    const std::string line = config_error([&] { (void)prepare_experiment(refused); });
    EXPECT_NE(line.find("data.preprocess.mean: expected 0 or less with an unsigned row DAC (arch.dac.signed: false)"),
              std::string::npos)
        << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    Params accepted = Params::from_file(experiments / file);
    accepted.apply_override("data.preprocess.mean=0.1307");
    accepted.apply_override("arch.dac.signed=true");
    EXPECT_NO_THROW((void)prepare_experiment(accepted));
  }
  // fp32 training has no DAC: any mean.
  Params fp32 = Params::from_file(experiments / "mnist_fp32.yaml");
  fp32.apply_override("data.preprocess.mean=0.1307");
  EXPECT_NO_THROW((void)prepare_experiment(fp32));
}

}  // namespace
}  // namespace xbarsim::workloads
