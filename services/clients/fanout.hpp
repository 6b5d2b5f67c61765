#pragma once
#include "actors/clients/fanout_port.hpp"
#include "services/relay/io_pool.hpp"

namespace runrelay::services {

// Delivers one frame to many io_sinks (or to every client) with one post per I/O lane.
actors::fanout_port_ptr make_io_fanout(io_pool& pool);

} // namespace runrelay::services
