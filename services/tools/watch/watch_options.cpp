#include "services/tools/watch/watch_options.hpp"

#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <string_view>

#include <unistd.h>

#include <CLI/CLI.hpp>

namespace runrelay::watch {
namespace {

constexpr int usage_error = 2;
constexpr std::size_t max_run_id_bytes = 256; // docs/protocol.md section 1
constexpr const char* url_variable = "RUNRELAY_WATCH_URL";

bool colors_wanted(bool no_color) {
  const char* no_color_env = std::getenv("NO_COLOR"); // https://no-color.org
  const char* term = std::getenv("TERM");
  return !no_color && ::isatty(STDOUT_FILENO) == 1 && !(no_color_env && *no_color_env) &&
         !(term && std::string_view(term) == "dumb");
}

// A CLI11 check: an integer of at least `min` that fits in 64 bits.
std::function<std::string(const std::string&)> whole_number(std::uint64_t min) {
  return [min](const std::string& v) {
    std::uint64_t n = 0;
    bool digits = !v.empty() && v.size() <= 19 &&
                  v.find_first_not_of("0123456789") == std::string::npos;
    if (digits && (n = std::stoull(v)) >= min)
      return std::string();
    return "expected a whole number of at least " + std::to_string(min) + ", got '" + v +
           "'";
  };
}

// "" or what is wrong with `text`, quoting it, as CLI11 shows after the option's name.
std::string parse_url(std::string_view text,
                      std::initializer_list<std::string_view> schemes,
                      web_client::web_url& out) {
  auto error = web_client::parse_web_url(text, schemes, out);
  return error.empty() ? error : "'" + std::string(text) + "' " + error;
}

} // namespace

parsed_command_line parse_command_line(int argc, const char* const* argv) {
  watch_options options;
  bool no_color = false;
  std::uint64_t limit = 0;
  CLI::App app{"runrelay-watch: watch workflow runs live through a runrelay relay, or "
               "print the relay's /stats.\n"
               "Reconnects by itself and resumes after the last event seen; Ctrl-C "
               "exits 0."};
  app.get_formatter()->column_width(26);
  app.add_option("--url", options.url, "relay WebSocket URL, ws:// or wss://")
      ->type_name("URL")
      ->envname(url_variable)
      ->check([&](const std::string& v) {
        auto error = parse_url(v, {"ws", "wss"}, options.endpoint);
        const char* from_env = std::getenv(url_variable);
        return error.empty() || !from_env || v != from_env
                   ? error
                   : error + " (from " + url_variable + ")";
      })
      ->capture_default_str();
  app.add_option("--run", options.run, "run_id to watch; * = every run, live")
      ->type_name("RUN_ID")
      ->check([](const std::string& v) {
        return v.empty() || v.size() > max_run_id_bytes
                   ? "a run_id is 1 to 256 bytes, got " + std::to_string(v.size())
                   : std::string();
      })
      ->capture_default_str();
  auto* since = app.add_option("--since", options.since,
                               "live, or the event_id to resume after (default: replay "
                               "the run's whole retained history first)")
                    ->type_name("live|EVENT_ID")
                    ->check([](const std::string& v) {
                      return v.empty() ? std::string("expected live or an event_id")
                                       : std::string();
                    });
  app.add_flag("--json", options.json, "print each raw relay message, one per line");
  app.add_option("--count", options.count, "exit 0 after N events")
      ->type_name("N")
      ->check(whole_number(1));
  app.add_option("--timeout-ms", options.timeout_ms,
                 "exit 1 if not done (--count) within N ms; 0 = no limit")
      ->type_name("N")
      ->check(whole_number(0))
      ->capture_default_str();
  app.add_flag("--no-color", no_color,
               "no ANSI colors (also NO_COLOR=1; never when stdout is not a terminal)");
  app.add_flag("--quiet", options.quiet, "print events only, no status lines");
  auto* stats = app.add_option("--stats", options.stats_url,
                               "GET /stats once and print it (default: the relay of "
                               "--url, http://127.0.0.1:8080)")
                    ->type_name("[URL]")
                    ->expected(0, 1);
  auto* limit_option =
      app.add_option("--limit", limit, "with --stats: list at most N runs and clients")
          ->type_name("N")
          ->check(whole_number(0))
          ->needs(stats);
  try {
    app.parse(argc, argv);
    if (since->count() > 0 && options.run == "*" && options.since != "live")
      throw CLI::ValidationError("--since",
                                 "resuming after an event_id needs --run RUN_ID "
                                 "(--run * is live only)");
    // The default and RUNRELAY_WATCH_URL are checked here too.
    if (auto error = parse_url(options.url, {"ws", "wss"}, options.endpoint);
        !error.empty())
      throw CLI::ValidationError("--url", error);
    options.stats = stats->count() > 0;
    if (options.stats) {
      if (options.stats_url.empty()) {
        options.stats_endpoint = options.endpoint;
        options.stats_endpoint.target = "/stats";
      } else if (auto error = parse_url(options.stats_url, {"http", "https", "ws", "wss"},
                                        options.stats_endpoint);
                 !error.empty()) {
        throw CLI::ValidationError("--stats", error);
      } else if (options.stats_endpoint.target == "/") {
        options.stats_endpoint.target = "/stats";
      }
      if (limit_option->count() > 0) {
        options.limit = limit;
        auto& target = options.stats_endpoint.target;
        target += (target.find('?') == std::string::npos ? "?limit=" : "&limit=") +
                  std::to_string(limit);
      }
    }
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return parsed_command_line{std::nullopt, code == 0 ? 0 : usage_error};
  }
  options.color = colors_wanted(no_color);
  return parsed_command_line{options, 0};
}

} // namespace runrelay::watch
