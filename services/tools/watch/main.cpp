// runrelay-watch: the terminal client of a runrelay relay. Watches runs live over
// WebSocket (docs/protocol.md section 2), one readable line per event, reconnecting and
// resuming by itself; or, with --stats, prints the relay's GET /stats for operators
// (section 3). Code: services/watch/ (network, options) and services/watch_format.hpp
// (what is printed).
#include <chrono>
#include <cstdio>
#include <string>

#include <boost/asio/io_context.hpp>

#include "services/tools/watch/stats_fetch.hpp"
#include "services/tools/watch/watch_format.hpp"
#include "services/tools/watch/watch_options.hpp"
#include "services/tools/watch/ws_watch_client.hpp"

namespace {

using namespace runrelay::watch;

constexpr std::chrono::milliseconds default_stats_timeout{5000};

int print_stats(const watch_options& options) {
  const auto& where = options.stats_endpoint;
  auto url = std::string(where.tls ? "https://" : "http://") + where.host_header() +
             where.target;
  auto timeout = options.timeout_ms > 0 ? std::chrono::milliseconds(options.timeout_ms)
                                        : default_stats_timeout;
  auto answer = http_get(where, timeout);
  if (!answer.error.empty()) {
    std::fprintf(stderr, "runrelay-watch: GET %s: %s\n", url.c_str(),
                 answer.error.c_str());
    return 1;
  }
  if (answer.status != 200) {
    std::fprintf(stderr, "runrelay-watch: GET %s: HTTP %u %s\n", url.c_str(),
                 answer.status, printable(answer.body.substr(0, 200)).c_str());
    return 1;
  }
  if (options.json) {
    std::printf("%s\n", answer.body.c_str());
    return 0;
  }
  auto report = format_stats(answer.body, format_options{options.color, false});
  if (!report) {
    std::fprintf(stderr,
                 "runrelay-watch: GET %s: the answer is not a /stats report: %s\n",
                 url.c_str(), printable(answer.body.substr(0, 200)).c_str());
    return 1;
  }
  std::fputs(report->c_str(), stdout);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  auto command_line = parse_command_line(argc, argv);
  if (!command_line.options)
    return command_line.exit_code;
  const auto& options = *command_line.options;
  if (options.stats)
    return print_stats(options);

  boost::asio::io_context io;
  ws_watch_client client(io, options);
  client.start();
  io.run();
  return client.exit_code();
}
