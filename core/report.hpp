// Report writers of a run folder: report.json, energy.csv, epochs.csv, config.resolved.yaml.
// Every file is written whole or not at all (temporary file, then rename).
//
// Every machine-readable output carries the version of its own contract: report.json a
// top-level "schema_version", every CSV a last column `schema_version` with the version on every
// row. A version changes only when a field or column is renamed, removed or changes its meaning;
// adding one does not change it (docs/schemas/README.md).
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ledger.hpp"

namespace xbarsim {

// The contract versions of the output files (docs/schemas/README.md says what each covers).
inline constexpr int kReportJsonSchemaVersion = 1;      // report.json (docs/schemas/report.schema.json)
inline constexpr int kEnergyCsvSchemaVersion = 1;       // energy.csv
inline constexpr int kAreaCsvSchemaVersion = 1;         // area.csv
inline constexpr int kEpochsCsvSchemaVersion = 1;       // epochs.csv
inline constexpr int kSweepCsvSchemaVersion = 1;        // sweep.csv
inline constexpr int kCompareCsvSchemaVersion = 1;      // compare.csv
inline constexpr int kIsoAccuracyCsvSchemaVersion = 1;  // iso_accuracy.csv
inline constexpr int kLogitsCsvSchemaVersion = 1;       // logits.csv (fp32_inference)
// Name of the last column of every CSV: the file's contract version.
inline constexpr const char* kSchemaVersionColumn = "schema_version";

// Writes `text` to `file` atomically: a half-written file is never left under that name.
void write_file_atomic(const std::filesystem::path& file, const std::string& text);

// report.json: pretty JSON, keys in the order of `json` (sorted for nlohmann::json, insertion
// order for nlohmann::ordered_json).
void write_json(const std::filesystem::path& file, const nlohmann::json& json);
void write_json(const std::filesystem::path& file, const nlohmann::ordered_json& json);

// energy.csv: path,action,count,energy_per_action_pJ,energy_pJ,source,schema_version - one row
// per ledger action; energy_pJ = count x energy_per_action_pJ on every row.
void write_energy_csv(const std::filesystem::path& file, const Ledger& ledger);

// area.csv: path,area_each_um2,instances,area_um2,source,schema_version.
void write_area_csv(const std::filesystem::path& file, const Ledger& ledger);

// A CSV table written row by row (each row flushed, so a long run shows progress) into a
// temporary name and renamed to its final name by close(): an interrupted run leaves
// "NAME.partial", never a table that looks complete. The table's last column is
// `schema_version`, holding the version given on every row (callers give only their own columns).
class CsvTable {
 public:
  CsvTable(std::filesystem::path file, const std::vector<std::string>& columns, int schema_version);
  ~CsvTable();
  CsvTable(const CsvTable&) = delete;
  CsvTable& operator=(const CsvTable&) = delete;

  // One value per column, already formatted.
  void row(const std::vector<std::string>& values);
  void close();

 private:
  void write_line(const std::vector<std::string>& values, const std::string& last);

  std::filesystem::path file_;
  std::filesystem::path partial_;
  std::size_t columns_;
  std::string version_;
  std::ofstream out_;
};

// Quotes a CSV field when it holds a comma, quote or newline.
std::string csv_field(const std::string& s);

}  // namespace xbarsim
