#pragma once
// runrelay-watch's command line: what to watch (or the /stats report), where, and how
// to print it.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace runrelay::watch {

// A ws://, wss://, http:// or https:// URL, split for Asio and Beast.
struct endpoint_url {
  bool tls = false;
  std::string host;   // without the brackets of an IPv6 literal
  std::string port;   // "80"/"443" when the URL has none
  std::string target; // path and query, at least "/"

  // The Host header: host, bracketed when IPv6, with the port unless it is the default.
  std::string host_header() const;
};

// `schemes` lists the accepted schemes ("ws", "wss"); wss and https mean TLS.
// Returns an error message, empty when `out` was filled.
std::string parse_url(std::string_view text,
                      std::initializer_list<std::string_view> schemes, endpoint_url& out);

struct watch_options {
  std::string url = "ws://127.0.0.1:8080/ws";
  endpoint_url endpoint;
  std::string run = "*";
  std::string since; // "" = the run's whole retained history, "live", or an event_id
  bool json = false; // print each raw message, one per line
  std::uint64_t count = 0;      // exit 0 after this many events; 0 = no limit
  std::uint64_t timeout_ms = 0; // exit 1 when not done by then; 0 = no limit
  bool color = false;           // resolved: stdout is a terminal and colors are wanted
  bool quiet = false;           // events only

  bool stats = false; // --stats: GET /stats once and print it
  std::string stats_url;
  endpoint_url stats_endpoint; // target includes ?limit=
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
