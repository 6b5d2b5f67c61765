#pragma once
// Renders GET /stats (JSON) and GET /metrics (Prometheus text) from the actors' own
// answers and the relay-wide counters (docs/protocol.md section 3).
#include "actors/messages.hpp"
#include "actors/status_board.hpp"

#include <optional>
#include <string>

namespace runrelay::services {

std::string render_stats(const actors::status_board& board,
                         const actors::actor_stats_list& actors,
                         std::optional<std::size_t> limit);

std::string render_metrics(const actors::status_board& board);

} // namespace runrelay::services
