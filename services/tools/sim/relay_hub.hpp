#pragma once
// Who is connected and what they get: the hub answers each relay's hello (resume from
// the event log), broadcasts the one global stream to every greeted relay in the same
// order, and records every text message relays send. No sockets: a connection is
// anything that implements relay_connection.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/tools/sim/event_generator.hpp"
#include "services/tools/sim/event_log.hpp"

namespace runrelay::sim {

class relay_connection {
public:
  virtual ~relay_connection() = default;
  // Queues one frame after everything queued before it.
  virtual void send(frame_ptr frame, bool binary) = 0;
  // Queues the frames of a resume; they do not count toward the slow-consumer limit.
  virtual void send_replay(std::vector<frame_ptr> frames) = 0;
  // Closes with a close frame carrying `code`; code 0 resets the TCP connection. The
  // connection still reports on_disconnect when it is gone.
  virtual void close(std::uint16_t code) = 0;
  // For log lines: "#3 127.0.0.1:50412".
  virtual const std::string& name() const = 0;
};

struct received_message {
  std::string relay_id;
  std::string text;
};

class relay_hub {
public:
  relay_hub(std::size_t log_capacity, std::size_t received_capacity);

  void on_connect(const std::shared_ptr<relay_connection>& connection);
  void on_text(const std::shared_ptr<relay_connection>& connection, std::string text);
  void on_disconnect(const std::shared_ptr<relay_connection>& connection,
                     std::string_view why);

  // Logs the frame's new events, then broadcasts its text.
  void publish(const sim_frame& frame);
  // Sends one frame to every relay that said hello; nothing is logged. Returns how
  // many relays it went to.
  std::size_t broadcast(frame_ptr frame, bool binary);
  // Closes every open connection (code 0: TCP reset); returns how many. A closing
  // connection gets no more frames and no longer counts in connections().
  std::size_t close_all(std::uint16_t code);

  const std::deque<received_message>& received() const { return received_; }
  std::size_t connections() const { return peers_.size() - closing_; }
  std::uint64_t hellos() const { return hellos_; }
  std::uint64_t emitted_events() const { return emitted_events_; }
  std::uint64_t frames() const { return frames_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::size_t logged_events() const { return log_.size(); }

private:
  struct peer {
    std::string relay_id;
    bool greeted = false;
    bool closing = false;
  };

  void greet(const std::shared_ptr<relay_connection>& connection, peer& who,
             const std::string& text);
  void record(const std::string& relay_id, std::string text);

  event_log log_;
  std::size_t received_capacity_;
  std::map<std::shared_ptr<relay_connection>, peer> peers_;
  std::deque<received_message> received_;
  std::size_t closing_ = 0; // peers closed by the sim that have not ended yet
  std::uint64_t hellos_ = 0;
  std::uint64_t emitted_events_ = 0;
  std::uint64_t frames_ = 0;
  std::uint64_t duplicates_ = 0;
};

} // namespace runrelay::sim
