#pragma once
// What the HTTP server asks of the actors: /stats, POST /upstream/reconnect, and a new
// client session for every WebSocket upgrade.
#include "services/clients/http_server.hpp"
#include "services/relay/pipeline.hpp"
#include "services/relay/relay_config.hpp"

#include <caf/actor_system.hpp>

namespace runrelay::services {

// `system` must outlive the server the backend is given to.
http_backend make_relay_backend(caf::actor_system& system, const pipeline& actors,
                                const relay_config& config,
                                std::shared_ptr<actors::status_board> board);

} // namespace runrelay::services
