// Report writers of a run folder: report.json, energy.csv, epochs.csv, config.resolved.yaml.
// Every file is written whole or not at all (temporary file, then rename).
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ledger.hpp"

namespace xbarsim {

// Writes `text` to `file` atomically: a half-written file is never left under that name.
void write_file_atomic(const std::filesystem::path& file, const std::string& text);

// report.json: pretty JSON, keys in insertion order as given.
void write_json(const std::filesystem::path& file, const nlohmann::json& json);

// energy.csv: path,action,count,energy_per_action_pJ,energy_pJ,source - one row per ledger
// action; energy_pJ = count x energy_per_action_pJ on every row.
void write_energy_csv(const std::filesystem::path& file, const Ledger& ledger);

// area.csv: path,area_each_um2,instances,area_um2,source.
void write_area_csv(const std::filesystem::path& file, const Ledger& ledger);

// A CSV table written row by row (each row flushed, so a long run shows progress) into a
// temporary name and renamed to its final name by close(): an interrupted run leaves
// "NAME.partial", never a table that looks complete.
class CsvTable {
 public:
  CsvTable(std::filesystem::path file, const std::vector<std::string>& columns);
  ~CsvTable();
  CsvTable(const CsvTable&) = delete;
  CsvTable& operator=(const CsvTable&) = delete;

  // One value per column, already formatted.
  void row(const std::vector<std::string>& values);
  void close();

 private:
  std::filesystem::path file_;
  std::filesystem::path partial_;
  std::size_t columns_;
  std::ofstream out_;
};

// Quotes a CSV field when it holds a comma, quote or newline.
std::string csv_field(const std::string& s);

}  // namespace xbarsim
