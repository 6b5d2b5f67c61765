#pragma once
#include "actors/client_sink.hpp"
#include "services/relay/io_pool.hpp"

namespace runrelay::services {

// Delivers one frame to many io_sinks with one post per I/O lane.
actors::fanout_port_ptr make_io_fanout(io_pool& pool);

} // namespace runrelay::services
