#include "workloads/insitu_checkpoint.hpp"

#include <fmt/format.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/report.hpp"

namespace xbarsim::workloads {
namespace {

// Version 02: the simulated time by what spends it (TrainingTime) instead of one total.
// Version 03: and the timeline resources' busy cycles (TrainingTime::busy).
constexpr char kCheckpointMagic[8] = {'X', 'B', 'C', 'K', 'P', 'T', '0', '3'};

void put_time(std::ostream& out, const TrainingTime& t) {
  for (const double v : {t.initial_write_s, t.forward_s, t.backward_s, t.accumulator_s, t.programming_s, t.verify_s}) {
    out.write(reinterpret_cast<const char*>(&v), sizeof v);
  }
  const std::uint64_t n = t.busy.size();
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  for (const arch::ResourceUse& u : t.busy) out.write(reinterpret_cast<const char*>(&u.busy), sizeof u.busy);
}

void get_time(std::istream& in, TrainingTime& t) {
  for (double* v : {&t.initial_write_s, &t.forward_s, &t.backward_s, &t.accumulator_s, &t.programming_s, &t.verify_s}) {
    in.read(reinterpret_cast<char*>(v), sizeof *v);
  }
}

// The busy cycles of `timeline`'s resources (names and servers from the chip being resumed);
// false when the checkpoint holds another number of them (another configuration).
bool get_busy(std::istream& in, const arch::Timeline& timeline, std::vector<arch::ResourceUse>& busy) {
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in) return false;
  if (n == 0) return true;  // saved before the first job
  timeline.add_busy(busy);
  if (n != busy.size()) return false;
  for (arch::ResourceUse& u : busy) in.read(reinterpret_cast<char*>(&u.busy), sizeof u.busy);
  return static_cast<bool>(in);
}

}  // namespace

void save_insitu_checkpoint(const std::filesystem::path& file, const InsituProgress& progress,
                            const InsituState& state) {
  std::ostringstream out(std::ios::binary);
  out.write(kCheckpointMagic, sizeof kCheckpointMagic);
  out.write(reinterpret_cast<const char*>(&progress.epoch), sizeof progress.epoch);
  put_time(out, progress.time);
  out.write(reinterpret_cast<const char*>(&progress.program_events), sizeof progress.program_events);
  out.write(reinterpret_cast<const char*>(&progress.pulses), sizeof progress.pulses);
  out << state.shuffle_rng.engine() << '\n' << state.rule_rng.engine() << '\n';
  state.rule.save(out);
  state.bias_optimizer.save(out);
  save_vectors(out, state.biases);
  state.chip.save_state(out);
  state.ledger.save(out);
  const std::string js = progress.epochs.dump();
  const std::uint64_t len = js.size();
  out.write(reinterpret_cast<const char*>(&len), sizeof len);
  out << js;
  write_file_atomic(file, out.str());
}

InsituProgress load_insitu_checkpoint(const std::filesystem::path& file, const InsituState& state) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: no checkpoint to resume from", file.string()));
  char magic[sizeof kCheckpointMagic];
  in.read(magic, sizeof magic);
  if (!in || std::memcmp(magic, kCheckpointMagic, 6) != 0) {
    throw DataError(fmt::format("{}: not an xbarsim checkpoint", file.string()));
  }
  if (std::memcmp(magic, kCheckpointMagic, sizeof magic) != 0) {
    throw DataError(
        fmt::format("{}: a checkpoint of another xbarsim version (format {}{}, expected {}{}); start the "
                    "run again",
                    file.string(), magic[6], magic[7], kCheckpointMagic[6], kCheckpointMagic[7]));
  }
  InsituProgress p;
  in.read(reinterpret_cast<char*>(&p.epoch), sizeof p.epoch);
  get_time(in, p.time);
  if (!get_busy(in, state.chip.controller().timeline(), p.time.busy)) {
    throw DataError(fmt::format("{}: truncated checkpoint, or from another configuration", file.string()));
  }
  in.read(reinterpret_cast<char*>(&p.program_events), sizeof p.program_events);
  in.read(reinterpret_cast<char*>(&p.pulses), sizeof p.pulses);
  in >> state.shuffle_rng.engine();
  in.ignore(1);
  in >> state.rule_rng.engine();
  in.ignore(1);
  state.rule.load(in);
  state.bias_optimizer.load(in);
  load_vectors(in, state.biases);
  state.chip.load_state(in);
  const bool ledger_ok = state.ledger.load(in);
  std::uint64_t len = 0;
  in.read(reinterpret_cast<char*>(&len), sizeof len);
  std::string js(len, '\0');
  in.read(js.data(), static_cast<std::streamsize>(len));
  if (!in || !ledger_ok) {
    throw DataError(fmt::format("{}: truncated checkpoint, or from another configuration", file.string()));
  }
  p.epochs = nlohmann::json::parse(js);
  return p;
}

}  // namespace xbarsim::workloads
