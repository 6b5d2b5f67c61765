#pragma once
#include <cstddef>

namespace runrelay::protocol {

// run_id and event_id values longer than this are rejected (docs/protocol.md section 1).
constexpr std::size_t max_id_bytes = 256;

// Deeper JSON is rejected before it reaches anything that recurses over it. Boost.JSON's
// default is 32; workflow payloads nest deeper than that in practice.
constexpr std::size_t max_json_depth = 64;

} // namespace runrelay::protocol
