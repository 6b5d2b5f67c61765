#pragma once
// The bench's orchestrator: a WebSocket server on 127.0.0.1 that the relay under test
// dials (docs/protocol.md section 1), and the publisher that paces bench events into it.
// Runs on its own thread; each relay connection is a relay_link.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/tools/bench/options.hpp"
#include "services/tools/bench/run_heads.hpp"

namespace runrelay::bench {

struct publisher_stats {
  std::uint64_t published = 0;     // events written to the relay
  std::uint64_t not_published = 0; // due, but no relay connected or the queue was full
  std::uint64_t queued = 0;        // waiting to be written now
  std::uint64_t max_queued = 0;    // in the current (or last) phase
  std::uint64_t relay_connections = 0;
  std::uint64_t hellos = 0;
  std::uint64_t relay_disconnects = 0;
  std::uint64_t upstream_messages = 0; // everything the relay sent (hello, ping, ...)
};

class orchestrator_server {
public:
  orchestrator_server(const bench_options& options, run_heads& heads);
  ~orchestrator_server();
  orchestrator_server(const orchestrator_server&) = delete;
  orchestrator_server& operator=(const orchestrator_server&) = delete;

  // Binds 127.0.0.1:port (0: any) and starts the thread; returns the port. Throws
  // boost::system::system_error when the port cannot be bound.
  unsigned short start(unsigned short port);
  // Closes every connection and joins the thread.
  void stop();

  // Blocks until a relay has said hello, at most `timeout`; the first hello's text.
  bool wait_for_hello(std::chrono::milliseconds timeout);
  std::string first_hello() const;

  // Starts publishing `rate` events/s for `seconds` (round-robin over the runs); returns
  // at once. burst 0: evenly paced; K: K events at once every K/rate s.
  void publish(double rate, std::uint32_t burst, double seconds);
  bool publishing() const;
  void cancel_publishing();
  // Drops the events still queued for the relay (never written: they do not count as
  // published, nor as lost); returns how many. Call when a phase's drain is over.
  std::uint64_t drop_queued(std::chrono::milliseconds timeout);
  // The last bseq written to the relay, per run.
  std::vector<std::uint64_t> written_heads() const;

  publisher_stats stats() const;
  int thread_id() const; // for per-thread CPU sampling; 0 before start

private:
  class impl;
  std::unique_ptr<impl> impl_;
};

} // namespace runrelay::bench
