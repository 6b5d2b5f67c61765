#pragma once
// runrelay-watch's command line: what to watch (or the /stats report), where, and how
// to print it.
#include <cstdint>
#include <optional>
#include <string>

#include "services/web_client/web_url.hpp"

namespace runrelay::watch {

struct watch_options {
  std::string url = "ws://127.0.0.1:8080/ws";
  web_client::web_url endpoint;
  std::string run = "*";
  std::string since; // "" = the run's whole retained history, "live", or an event_id
  bool json = false; // print each raw message, one per line
  std::uint64_t count = 0;      // exit 0 after this many events; 0 = no limit
  std::uint64_t timeout_ms = 0; // exit 1 when not done by then; 0 = no limit
  bool color = false;           // resolved: stdout is a terminal and colors are wanted
  bool quiet = false;           // events only

  bool stats = false; // --stats: GET /stats once and print it
  std::string stats_url;
  web_client::web_url stats_endpoint; // target includes ?limit=
  std::optional<std::uint64_t> limit;
};

struct parsed_command_line {
  std::optional<watch_options> options; // empty: exit with exit_code
  int exit_code = 0;                    // 0 after --help, 2 for a bad option
};

// Parses runrelay-watch's options (and RUNRELAY_WATCH_URL); prints help or the error,
// naming the option.
parsed_command_line parse_command_line(int argc, const char* const* argv);

} // namespace runrelay::watch
