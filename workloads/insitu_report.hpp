// The results of an in-situ training run: the `results` part of report.json (summary, epochs,
// programming cost with its derivation, energy per training image and per phase, timing, chip),
// the rows of epochs.csv, and the closing console summary. Every energy comes from the ledger's
// phases (forward, backward, update, inference, programming).
#pragma once

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ledger.hpp"
#include "workloads/training_time.hpp"

namespace xbarsim::workloads {

// What the run measured besides the ledger.
struct InsituOutcome {
  std::size_t train_images = 0;                            // per epoch
  std::size_t test_images = 0;                             // per test pass (one after every epoch)
  int epochs = 0;                                          // configured (the energy per image divides by all of them)
  nlohmann::json epoch_records = nlohmann::json::array();  // InsituEpochs's records
  TrainingTime time;                                       // simulated, by what spends it
  std::uint64_t program_events = 0;
  std::uint64_t pulses = 0;
  double test_accuracy_pct = 0.0;          // on the chip, after the last epoch
  double held_accuracy_pct = 0.0;          // software, on the weights the devices hold
  long long inference_latency_cycles = 0;  // of one inference
  double clock_hz = 0.0;
  std::string device;
  std::size_t tiles = 0;
  std::size_t adcs = 0;
  double throughput_inferences_per_s = 0.0;  // test images per simulated second, last test pass
  double macs_per_inference = 0.0;           // multiply-accumulates of one inference
};

// The `results` object of report.json.
nlohmann::json insitu_results(const InsituOutcome& outcome, const Ledger& ledger);

// Header of epochs.csv, and one row of it from an epoch record (with "wall_time_s" when known).
std::vector<std::string> insitu_epoch_columns();
std::vector<std::string> insitu_epoch_row(const nlohmann::json& record);

// The closing lines on the console, from insitu_results' JSON.
void print_insitu_summary(std::FILE* out, const InsituOutcome& outcome, const nlohmann::json& results);

// Training energy so far (phases forward, backward and update), pJ.
double training_energy_pJ(const Ledger& ledger);
// Device programming energy of the update phase so far (cells and write drivers), pJ.
double update_programming_pJ(const Ledger& ledger);

}  // namespace xbarsim::workloads
