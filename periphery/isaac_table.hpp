#pragma once
// ISAAC's component table (Shafiee et al., "ISAAC: A Convolutional Neural Network Accelerator
// with In-Situ Analog Arithmetic in Crossbars", ISCA 2016, Table 1; 32 nm) and the energies per
// action xbarsim derives from it. docs/periphery/adc.md and docs/validation.md.
//
// Basis. The table gives powers, not energies. They are the powers at ISAAC's schedule: each
// 128 x 128 crossbar is read every 100 ns, one ADC per crossbar converts its 128 columns in that
// time (128 / 100 ns = 1.28 GS/s), each 1-bit row DAC drives one input bit per read, and every
// ADC sample goes through a shift-and-add. The energy per action is therefore the power divided
// by the action rate of that schedule. Accelergy's ISAAC library divides by 1.2 GS/s, the rate
// of the Kull et al. (ISSCC 2013) converter ISAAC adapts; its energies are 1.28 / 1.2 = 6.7 %
// higher and, charged at ISAAC's own rate, would overstate the table's power by as much.
namespace xbarsim::periphery::isaac {

inline constexpr double kFeature = 32e-9;  // m
inline constexpr double kVdd = 0.9;        // V, xbarsim's 32 nm table (configs/tech/32nm.yaml)

// Schedule: reads per crossbar and conversions per ADC per second.
inline constexpr double kCrossbarReadRate = 1.0 / 100e-9;          // 1/s
inline constexpr double kAdcSampleRate = 128 * kCrossbarReadRate;  // 1.28e9 1/s

// One IMA (Table 1): 8 ADCs (16 mW, 0.0096 mm^2), 8 x 128 1-bit DACs (4 mW, 0.00017 mm^2),
// 4 shift-and-add units (0.2 mW, 0.00024 mm^2).
inline constexpr int kAdcsPerIma = 8;
inline constexpr int kDacsPerIma = 8 * 128;
inline constexpr int kShiftAddsPerIma = 4;
inline constexpr double kAdcPowerPerIma = 16e-3;        // W
inline constexpr double kDacPowerPerIma = 4e-3;         // W
inline constexpr double kShiftAddPowerPerIma = 0.2e-3;  // W
inline constexpr double kAdcAreaPerIma = 0.0096e-6;     // m^2
inline constexpr double kDacAreaPerIma = 0.00017e-6;    // m^2
inline constexpr double kShiftAddAreaPerIma = 0.00024e-6;

// Per action at 32 nm: 1.5625 pJ per 8-bit conversion, 0.390625 pJ per 1-bit row drive,
// 0.01953125 pJ per 16-bit shift-and-add (one per ADC sample); 1200, 0.166 and 60 um^2 each.
inline constexpr double kAdcEnergy8bit = kAdcPowerPerIma / kAdcsPerIma / kAdcSampleRate;  // J
inline constexpr double kDacEnergy1bit = kDacPowerPerIma / kDacsPerIma / kCrossbarReadRate;
inline constexpr double kShiftAddEnergy16 = kShiftAddPowerPerIma / (kAdcsPerIma * kAdcSampleRate);
inline constexpr double kAdcArea8bit = kAdcAreaPerIma / kAdcsPerIma;  // m^2
inline constexpr double kDacArea1bit = kDacAreaPerIma / kDacsPerIma;
inline constexpr double kShiftAddArea16 = kShiftAddAreaPerIma / kShiftAddsPerIma;

}  // namespace xbarsim::periphery::isaac
