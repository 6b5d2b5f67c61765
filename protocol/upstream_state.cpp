#include "protocol/upstream_state.hpp"

namespace runrelay::protocol {

std::string_view to_string(upstream_state state) {
  switch (state) {
  case upstream_state::disconnected:
    return "disconnected";
  case upstream_state::connecting:
    return "connecting";
  case upstream_state::connected:
    return "connected";
  case upstream_state::reconnecting:
    return "reconnecting";
  case upstream_state::failed:
    return "failed";
  }
  return "disconnected";
}

} // namespace runrelay::protocol
