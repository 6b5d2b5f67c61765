#pragma once
// The relay's graceful stop after SIGTERM/SIGINT: /readyz turns 503, no new clients,
// every client told 1001 "going away" (paced), then the actors and I/O threads stop.
#include "services/clients/http_server.hpp"
#include "services/relay/io_pool.hpp"
#include "services/relay/pipeline.hpp"

#include <chrono>

namespace runrelay::services {

void drain_and_stop(const pipeline& actors, http_server& server, io_pool& pool,
                    actors::status_board& board, std::chrono::milliseconds grace);

} // namespace runrelay::services
