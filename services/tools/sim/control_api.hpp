#pragma once
// The HTTP control API (POST /control/drop, refuse, inject, pause, resume, emit;
// GET /control/received, status): request in, JSON answer out. No sockets.
#include <string>
#include <string_view>

namespace runrelay::sim {

class sim_server;

struct control_reply {
  unsigned status = 200;
  std::string body; // JSON
};

control_reply handle_control(sim_server& server, std::string_view method,
                             std::string_view target, std::string body);

} // namespace runrelay::sim
