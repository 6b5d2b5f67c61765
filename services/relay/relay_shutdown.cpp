#include "services/relay/relay_shutdown.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <thread>

namespace runrelay::services {

using namespace runrelay::actors;
using std::chrono::milliseconds;

void drain_and_stop(const pipeline& actors, http_server& server, io_pool& pool,
                    status_board& board, milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  spdlog::info("relay: draining {} client(s) within {} ms",
               board.counters.clients_connected.load(), grace.count());
  board.set_draining();
  server.stop_accepting();
  // Spread the going-away closes over half the grace window; the rest of the window
  // lets the clients finish their closing handshakes.
  caf::anon_send(actors.clients, shutdown_atom::value,
                 std::chrono::duration_cast<caf::timespan>(grace / 2));
  caf::anon_send(actors.supervisor, shutdown_atom::value);
  caf::anon_send(actors.queue, shutdown_atom::value);
  // Sessions leave as their clients answer the close; the counter is theirs.
  while (board.counters.clients_connected.load() > 0 &&
         std::chrono::steady_clock::now() < deadline - milliseconds(100))
    std::this_thread::sleep_for(milliseconds(20));
  caf::anon_send(actors.clients, shutdown_atom::value);
  caf::anon_send(actors.dedup, shutdown_atom::value);
  pool.for_each([](boost::asio::io_context& lane) { lane.stop(); });
  pool.stop();
}

} // namespace runrelay::services
