// Hot paths of the periphery: ADC quantization of a column vector and DAC bit-plane
// decomposition of an input vector (contiguous spans, no allocation per call).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/params.hpp"
#include "core/rng.hpp"
#include "periphery/adc.hpp"
#include "periphery/dac.hpp"

namespace {

using namespace xbarsim;
using namespace xbarsim::periphery;

void BM_AdcQuantize(benchmark::State& state) {
  const Params root = Params::from_string("adc: {impl: sar, bits: " + std::to_string(state.range(0)) +
                                              ", full_scale_current: 10 uA, column_resistance: 10 kOhm}",
                                          "<bench>");
  auto adc = AdcRegistry::instance().create(root.child("adc"), TechNode::builtin("22nm"), AdcContext{});
  const std::size_t n = 128;
  std::vector<float> in(n);
  for (std::size_t i = 0; i < n; ++i) in[i] = static_cast<float>(12e-6 * i / n);
  std::vector<std::int32_t> out(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(adc->quantize(std::span<const float>(in), std::span<std::int32_t>(out)));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_AdcQuantize)->Arg(5)->Arg(8);

// What a tile operation does with its column currents (128 columns x 250 images): quantize to
// reconstruction levels. BM_AdcQuantizeValues is the tiles' path (a branch-free pass, the exact
// search only near decision levels); BM_AdcQuantizeValuesExact does the same with the exact
// per-value search (codes, then their levels), the way quantize_values worked before.
struct ColumnCurrents {
  explicit ColumnCurrents(std::int64_t bits)
      : root(Params::from_string("adc: {impl: sar, bits: " + std::to_string(bits) +
                                     ", signed: true, full_scale_current: 10 uA, column_resistance: 10 kOhm}",
                                 "<bench>")),
        adc(AdcRegistry::instance().create(root.child("adc"), TechNode::builtin("22nm"), AdcContext{})),
        in(128 * 250),
        out(in.size()),
        codes(in.size()) {
    for (std::size_t i = 0; i < in.size(); ++i)
      in[i] = static_cast<float>(12e-6 * std::sin(0.37 * static_cast<double>(i)));
  }
  Params root;
  std::unique_ptr<Adc> adc;
  std::vector<float> in;
  std::vector<float> out;
  std::vector<std::int32_t> codes;
};

void BM_AdcQuantizeValues(benchmark::State& state) {
  ColumnCurrents c(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.adc->quantize_values(std::span<const float>(c.in), std::span<float>(c.out)));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.in.size()));
}
BENCHMARK(BM_AdcQuantizeValues)->Arg(5)->Arg(8);

void BM_AdcQuantizeValuesExact(benchmark::State& state) {
  ColumnCurrents c(state.range(0));
  for (auto _ : state) {
    benchmark::DoNotOptimize(c.adc->quantize(std::span<const float>(c.in), std::span<std::int32_t>(c.codes)));
    for (std::size_t i = 0; i < c.in.size(); ++i) c.out[i] = static_cast<float>(c.adc->value_of(c.codes[i]));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.in.size()));
}
BENCHMARK(BM_AdcQuantizeValuesExact)->Arg(5)->Arg(8);

// The same block through converters with errors (docs/periphery/adc.md, Non-idealities), the way a
// tile converts when its ADC card states any: 8-bit, 128 lines x 250 vectors, 8 lines per ADC
// (16 transfers of their own DNL). Arg 0: static errors only (offset 0.65, gain 6.4e-4, INL 0.7,
// DNL 0.2 LSB); arg 1: also noise 0.25 LSB, one normal draw per conversion.
void BM_AdcQuantizeValuesWithErrors(benchmark::State& state) {
  const bool noise = state.range(0) != 0;
  const Params root = Params::from_string(
      std::string("adc: {impl: sar, bits: 8, signed: true, full_scale_current: 10 uA, column_resistance: 10 kOhm, "
                  "offset_lsb: 0.65, gain_error: 6.4e-4, inl_lsb: 0.7, dnl_lsb: 0.2") +
          (noise ? ", noise_lsb: 0.25}" : "}"),
      "<bench>");
  const auto adc = AdcRegistry::instance().create(root.child("adc"), TechNode::builtin("22nm"), AdcContext{});
  constexpr std::size_t kLines = 128;
  std::vector<float> in(kLines * 250);
  for (std::size_t i = 0; i < in.size(); ++i)
    in[i] = static_cast<float>(12e-6 * std::sin(0.37 * static_cast<double>(i)));
  std::vector<float> out(in.size());
  Rng rng(1);
  std::vector<AdcTransfer> transfers;
  for (std::size_t k = 0; k < kLines / 8; ++k) transfers.push_back(adc->draw_transfer(&rng));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        adc->quantize_values(std::span<const float>(in), std::span<float>(out), kLines, transfers, rng));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
}
BENCHMARK(BM_AdcQuantizeValuesWithErrors)->Arg(0)->Arg(1);

void BM_DacBitPlanes(benchmark::State& state) {
  const Params root = Params::from_string("dac: {impl: bit_serial, bits: 8}", "<bench>");
  auto dac = DacRegistry::instance().create(root.child("dac"), TechNode::builtin("22nm"), DacContext{});
  const std::size_t n = 128;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i) / n;
  std::vector<std::int32_t> codes(n);
  std::vector<float> plane(n);
  for (auto _ : state) {
    dac->quantize(std::span<const float>(x), 1.0F, std::span<std::int32_t>(codes));
    for (int b = 0; b < dac->magnitude_bits(); ++b) {
      dac->bit_plane(std::span<const std::int32_t>(codes), b, std::span<float>(plane));
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_DacBitPlanes);

}  // namespace

BENCHMARK_MAIN();
