#pragma once
// The latest bseq published per run. Written by the publisher (orchestrator thread),
// read by subscribers (storm catch-up, stray checks) and the modes (phase ranges).
#include <atomic>
#include <cstdint>
#include <memory>

namespace runrelay::bench {

class run_heads {
public:
  explicit run_heads(std::uint32_t runs)
      : runs_(runs), heads_(std::make_unique<std::atomic<std::uint64_t>[]>(runs)) {
    for (std::uint32_t i = 0; i < runs; ++i)
      heads_[i].store(0);
  }

  std::uint32_t size() const { return runs_; }
  std::uint64_t get(std::uint32_t run) const {
    return heads_[run].load(std::memory_order_acquire);
  }
  void set(std::uint32_t run, std::uint64_t bseq) {
    heads_[run].store(bseq, std::memory_order_release);
  }

private:
  std::uint32_t runs_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> heads_;
};

} // namespace runrelay::bench
