// Command line and environment parsing for `runrelay` (docs/protocol.md section 4).
//
// One table of option descriptors drives everything: CLI11 registration, validation of
// flag and variable values, the defaults shown in --help (read from relay_config{}) and
// the help text itself. CLI11 splits `--name value` / `--name=value` and reports
// unknown options; values are validated here so that a flag and its variable are
// checked by the same code and every message names the option.
#include "services/relay/relay_config.hpp"
#include "services/relay/config_file.hpp"
#include "services/web_client/web_url.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <random>
#include <sstream>
#include <type_traits>

namespace runrelay::services {
namespace {

constexpr uint64_t max_ms = 1'000'000'000'000; // about 31 years; safe as nanoseconds
constexpr const char* help_hint = "run 'runrelay --help' for the options\n";

enum group_id { upstream_group, history_group, clients_group, runtime_group };
constexpr const char* group_titles[] = {"Upstream (the orchestrator connection)",
                                        "Dedup, history and runs",
                                        "Clients (WebSocket, SSE and HTTP)", "Runtime"};

struct option_spec;
// Validates a value for an option and stores it; returns an error text or "".
using setter = std::string (*)(const option_spec&, const std::string&, relay_config&);
std::string set_integer(const option_spec& s, const std::string& v, relay_config& cfg);
std::string integer_default(uint64_t n, const char* metavar);

// One option: its flag (and so its variable), help text, default and how it is stored.
struct option_spec {
  std::string name; // without the leading "--"
  group_id group;
  const char* metavar;
  const char* description;
  setter set;
  std::string default_text; // read from relay_config{}, so help cannot drift
  uint64_t relay_config::*u64_ = nullptr; // integer options store into one of these
  uint32_t relay_config::*u32_ = nullptr;
  uint64_t min_ = 1;
  uint64_t max_ = max_ms;

  option_spec(const char* n, group_id g, const char* m, const char* d, setter set_value,
              std::string default_value)
      : name(n), group(g), metavar(m), description(d), set(set_value),
        default_text(std::move(default_value)) {}
  template <typename T> // an integer option stored in a uint64_t or uint32_t field
  option_spec(const char* n, group_id g, const char* m, const char* d,
              T relay_config::*field, uint64_t min = 1, uint64_t max = max_ms)
      : option_spec(n, g, m, d, set_integer, integer_default(relay_config{}.*field, m)) {
    if constexpr (std::is_same_v<T, uint32_t>)
      u32_ = field;
    else
      u64_ = field;
    min_ = min;
    max_ = std::min<uint64_t>(max, std::numeric_limits<T>::max());
  }

  std::string variable() const {
    std::string v = "RUNRELAY_" + name;
    for (char& c : v)
      c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return v;
  }
};

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

std::string lower(std::string s) {
  for (char& ch : s)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// A value as shown in a message: quoted, one line, not too long.
std::string shown(const std::string& v) {
  std::string out = "'";
  for (size_t i = 0; i < v.size() && i < 80; ++i)
    out += std::iscntrl(static_cast<unsigned char>(v[i])) ? '?' : v[i];
  return out + (v.size() > 80 ? "...'" : "'");
}

std::optional<uint16_t> parse_port(const std::string& s) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 1 || v > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(v);
}

bool valid_host(const std::string& host, bool bracketed) {
  auto ok = [bracketed](char ch) {
    if (bracketed)
      return std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.';
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' ||
           ch == '_';
  };
  return !host.empty() && std::all_of(host.begin(), host.end(), ok) &&
         (!bracketed || host.find(':') != std::string::npos);
}

// Splits HOST:PORT or [IPV6]:PORT; returns an error text or "".
std::string split_host_port(const std::string& v, std::string& host, std::string& port) {
  size_t colon;
  bool bracketed = !v.empty() && v[0] == '[';
  if (bracketed) {
    size_t close = v.find(']');
    if (close == std::string::npos)
      return "has no closing ']'";
    host = v.substr(1, close - 1);
    colon = close + 1;
    if (colon < v.size() && v[colon] != ':')
      return "has junk after ']'";
  } else {
    colon = v.rfind(':');
    host = v.substr(0, std::min(colon, v.size()));
    if (colon != std::string::npos && host.find(':') != std::string::npos)
      return "has an IPv6 address without brackets (write [::1]:8080)";
  }
  port = colon < v.size() ? v.substr(colon + 1) : "";
  if (!valid_host(host, bracketed))
    return "has no valid host";
  if (colon < v.size() && !parse_port(port))
    return "has no valid port (1 to 65535)";
  return "";
}

std::string set_listen(const option_spec&, const std::string& v, relay_config& cfg) {
  std::string host, port;
  std::string err = split_host_port(v, host, port);
  if (err.empty() && port.empty())
    err = "has no port";
  if (!err.empty())
    return shown(v) + " is not HOST:PORT: it " + err;
  cfg.listen_host = host;
  cfg.listen_port = *parse_port(port);
  return "";
}

std::string set_url(const option_spec&, const std::string& v, relay_config& cfg) {
  web_client::web_url url; // the parser the upstream connector dials with
  if (auto err = web_client::parse_web_url(v, {"ws", "wss"}, url); !err.empty())
    return shown(v) + " " + err;
  cfg.upstream_url = url.scheme + v.substr(v.find("://"));
  return "";
}

std::string set_relay_id(const option_spec&, const std::string& v, relay_config& cfg) {
  bool visible =
      std::all_of(v.begin(), v.end(), [](char ch) { return ch > ' ' && ch < 127; });
  if (v.empty() || v.size() > 128 || !visible)
    return shown(v) + " is not 1 to 128 visible ASCII characters (no spaces)";
  cfg.relay_id = v;
  return "";
}

std::string set_integer(const option_spec& s, const std::string& v, relay_config& cfg) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  bool digits = !v.empty() && end == v.data() + v.size();
  if (digits && (ec == std::errc::result_out_of_range || n > s.max_))
    return shown(v) + " is too large (at most " + std::to_string(s.max_) + ")";
  if (!digits || ec != std::errc{} || n < s.min_)
    return shown(v) + " is not an integer of at least " + std::to_string(s.min_);
  if (s.u64_)
    cfg.*s.u64_ = n;
  else
    cfg.*s.u32_ = static_cast<uint32_t>(n);
  return "";
}

std::string set_fraction(const option_spec&, const std::string& v, relay_config& cfg) {
  double d = -1;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || !(d >= 0 && d <= 1))
    return shown(v) + " is not a number from 0 to 1";
  cfg.backoff_jitter = d + 0.0; // -0 becomes 0
  return "";
}

std::string set_log_level(const option_spec&, const std::string& v, relay_config& cfg) {
  static const char* const levels[] = {"trace", "debug", "info", "warn", "error", "off"};
  std::string l = lower(v);
  if (std::find(std::begin(levels), std::end(levels), l) == std::end(levels))
    return shown(v) + " is not one of trace, debug, info, warn, error, off";
  cfg.log_level = l;
  return "";
}

std::string set_log_format(const option_spec&, const std::string& v, relay_config& cfg) {
  std::string format = lower(v);
  if (format != "text" && format != "json")
    return shown(v) + " is not one of text, json";
  cfg.log_format = format;
  return "";
}

std::string set_config_file(const option_spec&, const std::string& v, relay_config& cfg) {
  cfg.config_file = v; // read (and so checked) before the other options
  return "";
}

std::string set_scheduler_policy(const option_spec&, const std::string& v,
                                 relay_config& cfg) {
  std::string policy = lower(v);
  if (policy != "sharing" && policy != "stealing")
    return shown(v) + " is not one of sharing, stealing";
  cfg.scheduler_policy = policy;
  return "";
}

// The default of an integer option, also in a larger unit: 3600000 (1 h), 8388608 (8
// MiB).
std::string integer_default(uint64_t n, const char* metavar) {
  struct unit {
    uint64_t size;
    const char* name;
    const char* metavar;
  };
  static constexpr unit units[] = {{3600000, "h", "MS"},
                                   {60000, "min", "MS"},
                                   {1000, "s", "MS"},
                                   {1 << 20, "MiB", "BYTES"},
                                   {1 << 10, "KiB", "BYTES"}};
  for (const unit& u : units)
    if (n >= u.size && n % u.size == 0 && metavar == std::string(u.metavar))
      return std::to_string(n) + " (" + std::to_string(n / u.size) + " " + u.name + ")";
  return std::to_string(n);
}

const std::vector<option_spec>& option_table() {
  using c = relay_config;
  constexpr auto up = upstream_group, hist = history_group, cl = clients_group,
                 rt = runtime_group;
  static const relay_config d;
  static const std::string jitter = [] {
    std::ostringstream out;
    out << d.backoff_jitter; // 0.1, not 0.100000
    return out.str();
  }();
  static const std::vector<option_spec> table = {
      {"upstream", up, "URL",
       "orchestrator WebSocket URL, ws://HOST[:PORT][/PATH] or wss://", set_url,
       "none (required)"},
      {"relay-id", up, "ID", "this relay's id in hello, welcome and /stats", set_relay_id,
       "random (relay-<12 hex digits>)"},
      {"upstream-ping-ms", up, "MS", "interval of WebSocket pings to the orchestrator",
       &c::upstream_ping_ms},
      {"upstream-idle-timeout-ms", up, "MS",
       "session counts as lost after this long with nothing received",
       &c::upstream_idle_timeout_ms},
      {"backoff-base-ms", up, "MS",
       "delay before the first redial; doubles per failed dial", &c::backoff_base_ms},
      {"backoff-max-ms", up, "MS", "upper bound of the redial delay", &c::backoff_max_ms},
      {"backoff-jitter", up, "FRACTION",
       "random spread of each delay, 0 to 1 (0.1 = +/- 10%)", set_fraction, jitter},
      {"max-attempts", up, "N",
       "failed dials in a row before state 'failed'; 0 = unlimited", &c::max_attempts, 0},
      {"queue-capacity", up, "N", "client messages held while upstream is down",
       &c::queue_capacity},
      {"dedup-window-ms", hist, "MS", "an event id accepted this recently is a duplicate",
       &c::dedup_window_ms},
      {"history-limit", hist, "N", "events retained per run for replay (since)",
       &c::history_limit},
      {"run-retention-ms", hist, "MS",
       "keep a run without subscribers after its last event", &c::run_retention_ms},
      {"max-runs", hist, "N", "runs retained; least recently active ones go first",
       &c::max_runs},
      {"resume-wait-ms", hist, "MS",
       "wait for a 'since' id not yet retained; 0 = no wait", &c::resume_wait_ms, 0},
      {"listen", cl, "HOST:PORT", "client address, e.g. 0.0.0.0:8080 or [::1]:8080",
       set_listen, d.listen_host + ":" + std::to_string(d.listen_port)},
      {"heartbeat-ms", cl, "MS", "client ping interval; two missed intervals close",
       &c::heartbeat_ms},
      {"max-subscriptions", cl, "N", "subscriptions per client connection, '*' included",
       &c::max_subscriptions},
      {"client-rate-limit", cl, "N",
       "messages per second per client, bursts of twice that", &c::client_rate_limit},
      {"max-frame-bytes", cl, "BYTES", "largest client message (larger: close 1009)",
       &c::max_frame_bytes},
      {"client-buffer-frames", cl, "N", "unsent frames before closing a slow consumer",
       &c::client_buffer_frames},
      {"client-buffer-bytes", cl, "BYTES", "unsent bytes before closing a slow consumer",
       &c::client_buffer_bytes},
      {"max-held-polls", cl, "N", "long-polls held at once (more: 503, Retry-After)",
       &c::max_held_polls},
      {"shutdown-grace-ms", rt, "MS", "on SIGTERM or SIGINT, exit within this time",
       &c::shutdown_grace_ms},
      {"scheduler-threads", rt, "N", "actor scheduler worker threads (1 to 64)",
       &c::scheduler_threads, 1, 64},
      {"scheduler", rt, "POLICY", "actor scheduler policy: sharing or stealing",
       set_scheduler_policy, d.scheduler_policy},
      {"io-threads", rt, "N", "network I/O threads (1 to 64)", &c::io_threads, 1, 64},
      {"log-level", rt, "LEVEL", "trace, debug, info, warn, error or off (to stderr)",
       set_log_level, d.log_level},
      {"log-format", rt, "FORMAT", "text, or json: one object per line for collectors",
       set_log_format, d.log_format},
      {"config", rt, "FILE", "TOML file of options, `name = value` (flags' names)",
       set_config_file, "none"},
  };
  return table;
}

std::string help_text() {
  std::ostringstream out;
  out << "usage: runrelay [--listen HOST:PORT] --upstream URL [options]\n\n"
         "Relays the event stream of a run orchestrator (one upstream WebSocket) to\n"
         "any number of clients over WebSocket (GET /ws) on the --listen port, which\n"
         "also serves /healthz, /readyz, /stats and /metrics. Write options as --name "
         "VALUE or --name=VALUE.\n"
         "Each can also be set by the environment variable shown under it, or by a\n"
         "line `name = value` in the TOML file given by --config (RUNRELAY_CONFIG;\n"
         "deploy/runrelay.toml lists every key). A flag wins over its variable, a\n"
         "variable over the file. MS values are milliseconds; MS, N and BYTES are\n"
         "integers of at least 1 unless noted. Invalid options exit with status 2.\n";
  auto row = [&out](const std::string& left, const std::string& right) {
    out << "  " << left << std::string(left.size() < 30 ? 31 - left.size() : 1, ' ')
        << right << '\n';
  };
  for (group_id group : {upstream_group, history_group, clients_group, runtime_group}) {
    out << '\n' << group_titles[group] << ":\n";
    for (const auto& s : option_table()) {
      if (s.group != group)
        continue;
      row("--" + s.name + " " + s.metavar, s.description);
      row("", "default " + s.default_text + "; env " + s.variable());
    }
  }
  row("-h, --help", "print this help and exit");
  return out.str();
}

parse_outcome failure(const std::string& message) {
  return {std::nullopt, 2, "runrelay: " + message + "\n" + help_hint};
}

const option_spec* find_option(const std::string& arg) {
  for (const auto& s : option_table())
    if (arg.size() >= s.name.size() + 2 && arg.compare(2, s.name.size(), s.name) == 0 &&
        starts_with(arg, "--") &&
        (arg.size() == s.name.size() + 2 || arg[s.name.size() + 2] == '='))
      return &s;
  return nullptr;
}

// " (did you mean --NAME?)" for a name that looks like an option's, else "".
std::string suggestion(std::string typed) {
  std::replace(typed.begin(), typed.end(), '_', '-');
  for (const auto& s : option_table())
    if (typed.size() >= 3 &&
        (starts_with(s.name, typed.c_str()) || s.name.find(typed) != std::string::npos))
      return " (did you mean --" + s.name + "?)";
  return "";
}

std::string unknown_argument(const std::string& arg, bool after_mark) {
  if (after_mark || arg.size() < 2 || arg[0] != '-')
    return "unexpected argument " + shown(arg) + " (options start with --)";
  std::string name = arg.substr(0, arg.find('='));
  return "unknown option " + shown(name) +
         suggestion(name.substr(std::min(name.find_first_not_of('-'), name.size())));
}

// Applies the file's entries over the defaults; an error text naming file, line and key.
std::string apply_config_file(const std::string& path, relay_config& cfg) {
  config_file file = read_config_file(path);
  if (!file.error.empty())
    return file.error;
  for (const config_entry& e : file.entries) {
    const auto& table = option_table();
    auto s = std::find_if(table.begin(), table.end(),
                          [&](const option_spec& o) { return o.name == e.key; });
    std::string where = path + ":" + std::to_string(e.line) + ": ";
    if (s == table.end() || s->set == set_config_file)
      return where + "unknown key " + shown(e.key) + suggestion(e.key);
    if (std::string err = s->set(*s, e.value, cfg); !err.empty())
      return where + e.key + ": " + err;
  }
  return "";
}

std::optional<std::string> lookup(const std::vector<std::string>& environment,
                                  const std::string& name) {
  for (const auto& entry : environment)
    if (entry.size() > name.size() && entry[name.size()] == '=' &&
        entry.compare(0, name.size(), name) == 0)
      return entry.substr(name.size() + 1);
  return std::nullopt;
}

// The file named by --config, else by RUNRELAY_CONFIG, applied to cfg; an error or "".
std::string read_file_layer(const std::vector<option_spec>& table,
                            const std::vector<CLI::Option*>& given,
                            const std::vector<std::string>& raw,
                            const std::vector<std::string>& environment,
                            relay_config& cfg) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i].set != set_config_file)
      continue;
    std::optional<std::string> path = lookup(environment, table[i].variable());
    std::string origin = table[i].variable();
    if (given[i]->count() > 0) {
      path = raw[i];
      origin = "--config";
    }
    if (!path || path->empty())
      return "";
    std::string err = apply_config_file(*path, cfg);
    return err.empty() ? "" : origin + " " + err;
  }
  return "";
}

} // namespace

std::vector<option_info> relay_options() {
  std::vector<option_info> out;
  for (const auto& s : option_table())
    out.push_back({s.name, s.default_text});
  return out;
}

std::string random_relay_id() {
  std::random_device device;
  uint64_t bits = (uint64_t{device()} << 32) ^ device();
  static const char digits[] = "0123456789abcdef";
  std::string id = "relay-";
  for (int i = 0; i < 12; ++i, bits >>= 4)
    id += digits[bits & 0xf];
  return id;
}

parse_outcome parse_relay_config(const std::vector<std::string>& args,
                                 const std::vector<std::string>& environment) {
  const auto& table = option_table();
  // --help wins over anything else on the line; then find options without a value
  // (CLI11 would take the next option as the value).
  auto terminator = std::find(args.begin(), args.end(), "--");
  if (std::find_if(args.begin(), terminator, [](const std::string& a) {
        return a == "--help" || a == "-h";
      }) != terminator)
    return {std::nullopt, 0, help_text()};
  for (auto it = args.begin(); it != terminator; ++it) {
    const option_spec* s = find_option(*it);
    if (!s || it->size() > s->name.size() + 3)
      continue;
    if (it->size() == s->name.size() + 3 || it + 1 == terminator ||
        starts_with(*(it + 1), "--"))
      return failure("--" + s->name + ": missing value (--" + s->name + " " + s->metavar +
                     ")");
    ++it;
  }

  CLI::App app{"runrelay"};
  app.set_help_flag();
  app.allow_extras(); // reported below, in our words
  std::vector<std::string> raw(table.size());
  std::vector<CLI::Option*> given(table.size());
  for (size_t i = 0; i < table.size(); ++i)
    given[i] = app.add_option("--" + table[i].name, raw[i])
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  // CLI11 takes the arguments in reverse order (it pops them from the back).
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return failure(e.what());
  }
  bool after_mark = false; // CLI11 keeps the "--" it saw among the extras
  for (const auto& extra : app.remaining()) {
    if (extra == "--" && !after_mark)
      after_mark = true;
    else
      return failure(unknown_argument(extra, after_mark));
  }

  relay_config cfg;
  if (std::string err = read_file_layer(table, given, raw, environment, cfg);
      !err.empty())
    return failure(err);
  for (size_t i = 0; i < table.size(); ++i) {
    const option_spec& s = table[i];
    if (given[i]->count() > 0) {
      if (std::string err = s.set(s, raw[i], cfg); !err.empty())
        return failure("--" + s.name + ": " + err);
    } else if (auto value = lookup(environment, s.variable()); value && !value->empty()) {
      if (std::string err = s.set(s, *value, cfg); !err.empty())
        return failure(s.variable() + " (--" + s.name + "): " + err);
    }
  }
  if (cfg.upstream_url.empty())
    return failure("--upstream (or RUNRELAY_UPSTREAM) is required");
  if (cfg.backoff_max_ms < cfg.backoff_base_ms)
    return failure("--backoff-max-ms (" + std::to_string(cfg.backoff_max_ms) +
                   ") must be at least --backoff-base-ms (" +
                   std::to_string(cfg.backoff_base_ms) + ")");
  if (cfg.upstream_idle_timeout_ms <= cfg.upstream_ping_ms)
    return failure("--upstream-idle-timeout-ms (" +
                   std::to_string(cfg.upstream_idle_timeout_ms) +
                   ") must be more than --upstream-ping-ms (" +
                   std::to_string(cfg.upstream_ping_ms) + ")");
  if (cfg.relay_id.empty())
    cfg.relay_id = random_relay_id();
  return {std::move(cfg), 0, ""};
}

} // namespace runrelay::services
