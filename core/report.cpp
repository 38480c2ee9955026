#include "core/report.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "core/error.hpp"

namespace xbarsim {

void write_file_atomic(const std::filesystem::path& file, const std::string& text) {
  // POSIX calls rather than a stream: every write is checked, and fsync makes the content
  // durable before the rename makes it visible (a crash leaves the old file or the new one).
  const std::filesystem::path tmp = file.string() + ".tmp";
  const auto fail = [&](const char* what, int err) {
    ::unlink(tmp.c_str());  // no temporary left behind
    throw EnvironmentError(fmt::format("{}: cannot {}: {}", file.string(), what, std::generic_category().message(err)));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    throw EnvironmentError(fmt::format("{}: cannot write: {}", file.string(), std::generic_category().message(err)));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      fail("write", err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    fail("write", err);
  }
  if (::close(fd) != 0) fail("write", errno);
  if (::rename(tmp.c_str(), file.c_str()) != 0) fail("replace", errno);
}

void write_json(const std::filesystem::path& file, const nlohmann::json& json) {
  write_file_atomic(file, json.dump(2) + "\n");
}

void write_json(const std::filesystem::path& file, const nlohmann::ordered_json& json) {
  write_file_atomic(file, json.dump(2) + "\n");
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void write_energy_csv(const std::filesystem::path& file, const Ledger& ledger) {
  std::string text = fmt::format("path,action,count,energy_per_action_pJ,energy_pJ,source,{}\n", kSchemaVersionColumn);
  for (const auto& row : ledger.energy_rows()) {
    text += fmt::format("{},{},{},{:.9g},{:.9g},{},{}\n", csv_field(row.action->component),
                        csv_field(row.action->action), row.count, row.action->energy_per_action_J * 1e12,
                        row.energy_J() * 1e12, csv_field(row.action->source), kEnergyCsvSchemaVersion);
  }
  write_file_atomic(file, text);
}

void write_area_csv(const std::filesystem::path& file, const Ledger& ledger) {
  std::string text = fmt::format("path,area_each_um2,instances,area_um2,source,{}\n", kSchemaVersionColumn);
  for (const auto& a : ledger.area_rows()) {
    text += fmt::format("{},{:.9g},{},{:.9g},{},{}\n", csv_field(a.component), a.area_each_m2 * 1e12, a.instances,
                        a.area_m2() * 1e12, csv_field(a.source), kAreaCsvSchemaVersion);
  }
  write_file_atomic(file, text);
}

CsvTable::CsvTable(std::filesystem::path file, const std::vector<std::string>& columns, int schema_version)
    : file_(std::move(file)),
      partial_(file_.string() + ".partial"),
      columns_(columns.size()),
      version_(std::to_string(schema_version)) {
  out_.open(partial_, std::ios::trunc);
  if (!out_) throw std::runtime_error(fmt::format("{}: cannot open for writing", partial_.string()));
  write_line(columns, kSchemaVersionColumn);
}

CsvTable::~CsvTable() {
  // Not closed: leave the .partial file as the honest record of an interrupted run.
}

void CsvTable::row(const std::vector<std::string>& values) {
  if (values.size() != columns_) {
    throw std::logic_error(fmt::format("{}: row of {} values for {} columns", file_.string(), values.size(), columns_));
  }
  write_line(values, version_);
}

void CsvTable::write_line(const std::vector<std::string>& values, const std::string& last) {
  for (const auto& v : values) out_ << csv_field(v) << ',';
  out_ << csv_field(last) << '\n';
  out_.flush();
}

void CsvTable::close() {
  if (!out_.is_open()) return;
  out_.close();
  std::filesystem::rename(partial_, file_);
}

}  // namespace xbarsim
