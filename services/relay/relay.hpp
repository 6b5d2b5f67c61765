#pragma once
// The runrelay process: actors, I/O threads and the client port, wired from a config,
// running until SIGTERM or SIGINT.
#include "services/relay/relay_config.hpp"

namespace runrelay::services {

// Returns the process exit status: 0 after a clean shutdown, 1 when the relay cannot
// start (the port is taken, say), with the reason logged.
int run_relay(const relay_config& config);

} // namespace runrelay::services
