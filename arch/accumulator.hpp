// The on-chip SRAM as a TLM-2.0 target: the activation buffer between layers during inference
// and, during in-situ training, the high-precision accumulator of latent weights and gradients.
// Each transaction moves a block of bits; the target counts word reads and writes and adds the
// access latency. A transfer goes through one port, whose banks (interleaved) deliver one word
// each per cycle; the ports are independent servers of the timeline (arch/timeline.hpp).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "arch/phase.hpp"
#include "core/ledger.hpp"
#include "periphery/sram.hpp"

namespace xbarsim::arch {

struct BufferOp : tlm::tlm_extension<BufferOp> {
  enum class Kind { kRead, kWrite };
  Kind kind = Kind::kRead;
  std::uint64_t bits = 0;   // payload moved by the operation
  std::uint64_t words = 0;  // filled by the target: ceil(bits / word bits)
  long long cycles = 0;     // filled by the target
  tlm::tlm_extension_base* clone() const override { return new BufferOp(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const BufferOp&>(other); }
};

class Accumulator : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Accumulator> socket;

  // Its actions are declared under "<phase>/<module path without the chip>" (module
  // "chip.buffer" -> "inference/buffer"), for `first_phase` at once (if any) and for every
  // other phase on its first use.
  Accumulator(const sc_core::sc_module_name& name, const periphery::Sram& sram, Ledger& ledger, double clock_period_s,
              std::optional<Phase> first_phase);

  // Charges later operations to `phase` (its actions declared on the phase's first use).
  void set_phase(Phase phase);
  // Cycles to move `bits` through one port: ceil(words / banks) + access latency - 1.
  long long cycles_for(std::uint64_t bits) const;
  // Counts word accesses made by the digital training logic outside a tile operation (latent
  // weights and optimizer state read and written back per update), in the current phase.
  // Untimed: the update's time is the devices' programming time.
  void count_words(std::uint64_t read, std::uint64_t written) {
    ledger_.add(current_.read, read);
    ledger_.add(current_.write, written);
  }
  const periphery::Sram& sram() const { return sram_; }

 private:
  struct Counters {
    Ledger::Counter read, write;
  };
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  const periphery::Sram& sram_;
  Ledger& ledger_;
  std::string path_;  // ledger path (arch/module_path.hpp)
  sc_core::sc_time period_;
  std::array<std::optional<Counters>, kPhaseCount> phases_;
  Counters current_{};
};

}  // namespace xbarsim::arch
