#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace runrelay::protocol {

// docs/protocol.md section 1, "Reconnect and connection state".
enum class upstream_state : uint8_t {
  disconnected,
  connecting,
  connected,
  reconnecting,
  failed
};

std::string_view to_string(upstream_state state);

// What every client is told at each state change (the `upstream` message).
struct upstream_status {
  upstream_state state = upstream_state::disconnected;
  uint32_t attempt = 0;
  std::optional<uint64_t> retry_in_ms;
};

} // namespace runrelay::protocol
