// format_stats (watch_format.hpp): the operator's view of GET /stats.
#include "services/tools/watch/watch_format.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include <boost/json/parse.hpp>

namespace runrelay::watch {

using namespace format_detail;
namespace json = boost::json;

namespace {

constexpr std::size_t max_name_width = 48;

// The counters worth a column for each actor kind; other kinds show every scalar.
std::vector<std::string_view> main_keys(std::string_view kind) {
  if (kind == "upstream_session")
    return {"handshake", "frames", "events", "rejected", "written"};
  if (kind == "supervisor")
    return {"state", "attempt", "dials", "handshakes", "reconnects"};
  if (kind == "dedup_filter")
    return {"forwarded", "duplicates", "window_entries", "runs"};
  if (kind == "queue")
    return {"depth", "capacity", "dropped", "sent"};
  if (kind == "run_subscriber")
    return {"status", "event_count", "retained", "subscribers", "delivered"};
  if (kind == "client_session")
    return {"subscriptions", "messages", "backlog_frames", "errors", "rate_limited"};
  return {};
}

// "key value" for each scalar member not in `skip`.
std::vector<std::string> scalars(const json::object& o,
                                 std::initializer_list<std::string_view> skip,
                                 std::string_view glue) {
  std::vector<std::string> parts;
  for (const auto& member : o)
    if (!member.value().is_structured() &&
        std::find(skip.begin(), skip.end(), member.key()) == skip.end())
      parts.push_back(printable(member.key()) + std::string(glue) +
                      scalar(member.value()));
  return parts;
}

std::string actor_counters(const json::object& actor) {
  std::vector<std::string> parts;
  for (auto key : main_keys(str(actor, "kind").value_or("")))
    if (auto* v = field(actor, key))
      parts.push_back(std::string(key) + "=" + scalar(*v));
  if (parts.empty())
    parts = scalars(actor, {"kind", "name", "mailbox", "run_id", "client_id"}, "=");
  return join(parts, " ");
}

} // namespace

std::optional<std::string> format_stats(std::string_view body,
                                        const format_options& options) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object())
    return std::nullopt;
  const auto& root = parsed.get_object();
  if (!root.contains("relay") && !root.contains("actors")) // {"status":"ok"} ...
    return std::nullopt;
  static const json::object none;
  auto section = [&](std::string_view key) -> const json::object& {
    auto* v = field(root, key);
    return v && v->is_object() ? v->get_object() : none;
  };
  auto label = [&](std::string_view name) {
    return paint(padded(std::string(name), 10), bold, options.color);
  };
  std::string out;

  const auto& relay = section("relay");
  out += label("relay") + printable(str(relay, "relay_id").value_or("?"));
  if (auto up = num(relay, "uptime_ms"))
    out += "  up " + duration(*up);
  if (auto* d = field(relay, "draining"); d && d->is_bool() && d->get_bool())
    out += "  " + paint("draining", yellow, options.color);
  for (const auto& part : scalars(relay, {"relay_id", "uptime_ms", "draining"}, " "))
    out += "  " + part;

  const auto& upstream = section("upstream");
  auto state = std::string(str(upstream, "state").value_or("?"));
  out += "\n" + label("upstream") +
         paint(printable(state),
               state == "connected" ? green
               : state == "failed"  ? red
                                    : yellow,
               options.color);
  if (auto attempt = num(upstream, "attempt"); attempt && *attempt > 0)
    out += ", attempt " + integer(*attempt);
  if (auto retry = num(upstream, "retry_in_ms"))
    out += ", retry in " + one_decimal(*retry / 1000, "s");
  for (const auto& part : scalars(upstream, {"state", "attempt", "retry_in_ms"}, " "))
    out += "  " + part;

  for (const auto& member : root)
    if (member.value().is_object() && member.key() != "relay" &&
        member.key() != "upstream")
      out += "\n" + label(member.key()) +
             join(scalars(member.value().get_object(), {}, " "), "  ");
  out += "\n" + label("totals") + join(scalars(root, {}, " "), "  ") + "\n";

  std::vector<std::array<std::string, 4>> rows{{"KIND", "NAME", "MAILBOX", "COUNTERS"}};
  std::size_t kind_w = 0, name_w = 0, box_w = 0;
  if (auto* actors = field(root, "actors"); actors && actors->is_array())
    for (const auto& a : actors->get_array())
      if (a.is_object()) {
        const auto& actor = a.get_object();
        auto* box = field(actor, "mailbox");
        rows.push_back(
            {printable(str(actor, "kind").value_or("?")),
             truncated(printable(str(actor, "name").value_or("")), max_name_width),
             box ? scalar(*box) : "-", actor_counters(actor)});
      }
  for (const auto& row : rows) {
    kind_w = std::max(kind_w, row[0].size());
    name_w = std::max(name_w, row[1].size());
    box_w = std::max(box_w, row[2].size());
  }
  out += "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    bool busy = i > 0 && row[2] != "0" && row[2] != "-";
    std::string line = padded(row[0], kind_w) + "  " + padded(row[1], name_w) + "  " +
                       std::string(box_w - row[2].size(), ' ') +
                       paint(row[2], busy ? yellow : nullptr, options.color) + "  " +
                       row[3];
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += (i == 0 ? paint(line, bold, options.color) : line) + "\n";
  }
  if (rows.size() == 1)
    out += "(no actors listed)\n";

  auto shown = [&](std::string_view list, std::string_view total, std::string_view what) {
    auto* l = field(root, list);
    auto count = l && l->is_array() ? l->get_array().size() : 0;
    auto all = num(root, total);
    return all && *all > static_cast<double>(count)
               ? std::to_string(count) + " of " + integer(*all) + " " + std::string(what)
               : std::string();
  };
  std::vector<std::string> capped;
  for (auto text : {shown("runs", "runs_total", "runs"),
                    shown("clients", "clients_total", "clients")})
    if (!text.empty())
      capped.push_back(text);
  if (!capped.empty())
    out += "showing " + join(capped, " and ") + " (--limit)\n";
  return out;
}

} // namespace runrelay::watch
