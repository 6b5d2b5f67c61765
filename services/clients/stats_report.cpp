#include "services/clients/stats_report.hpp"

#include <boost/json.hpp>

#include <chrono>

namespace runrelay::services {

namespace json = boost::json;
using actors::actor_stats;

namespace {

json::object actor_entry(const actor_stats& stats) {
  json::object entry;
  entry["kind"] = stats.kind;
  entry["name"] = stats.name;
  entry["mailbox"] = stats.mailbox;
  for (auto& [key, value] : stats.labels)
    entry[key] = value;
  for (auto& [key, value] : stats.counters)
    entry[key] = value;
  return entry;
}

json::object counters_of(const actor_stats* stats) {
  json::object result;
  if (stats)
    for (auto& [key, value] : stats->counters)
      result[key] = value;
  return result;
}

// A client of any transport: a WebSocket or SSE client's session, or a held long-poll.
json::object client_entry(const actor_stats& stats) {
  json::object client;
  client["client_id"] =
      stats.labels.count("client_id") ? stats.labels.at("client_id") : "";
  client["transport"] =
      stats.labels.count("transport") ? stats.labels.at("transport") : "websocket";
  if (stats.labels.count("run_id"))
    client["run_id"] = stats.labels.at("run_id");
  for (auto& [key, value] : stats.counters)
    client[key] = value;
  return client;
}

const actor_stats* find_kind(const actors::actor_stats_list& list,
                             std::string_view kind) {
  for (auto& stats : list)
    if (stats.kind == kind)
      return &stats;
  return nullptr;
}

uint64_t uptime_ms(const actors::status_board& board) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - board.started())
                                   .count());
}

} // namespace

std::string render_stats(const actors::status_board& board,
                         const actors::actor_stats_list& list,
                         std::optional<std::size_t> limit) {
  const auto& totals = board.counters;
  auto status = board.upstream();

  json::object relay;
  relay["relay_id"] = board.relay_id();
  relay["uptime_ms"] = uptime_ms(board);
  relay["draining"] = board.draining();

  json::object upstream = counters_of(find_kind(list, "upstream_session"));
  upstream["state"] = std::string(protocol::to_string(status.state));
  upstream["attempt"] = status.attempt;
  upstream["retry_in_ms"] =
      status.retry_in_ms ? json::value(*status.retry_in_ms) : json::value(nullptr);
  if (auto* supervisor = find_kind(list, "supervisor"))
    upstream["reconnects"] = supervisor->counters.at("reconnects");
  upstream["accepted"] = totals.events_accepted.load();
  upstream["rejected"] = totals.events_rejected.load();
  upstream["duplicates"] = totals.events_duplicate.load();

  json::array runs, clients, entries;
  std::size_t run_count = 0, client_count = 0;
  auto cap = limit.value_or(SIZE_MAX);
  for (auto& stats : list) {
    if (stats.kind == "client_directory")
      continue; // not of the pipeline: its counters are in "client_directory"
    if (stats.kind == "run_subscriber") {
      if (run_count++ >= cap)
        continue;
      json::object run;
      run["run_id"] = stats.labels.count("run_id") ? stats.labels.at("run_id") : "";
      run["status"] = stats.labels.count("status") ? stats.labels.at("status") : "";
      for (auto key : {"event_count", "subscribers", "retained", "delivered"})
        if (stats.counters.count(key))
          run[key] = stats.counters.at(key);
      runs.push_back(std::move(run));
    } else if (stats.kind == "client_session" || stats.kind == "long_poll") {
      if (client_count++ < cap)
        clients.push_back(client_entry(stats));
      if (stats.kind == "long_poll")
        continue; // a held request, not an actor
    }
    entries.push_back(actor_entry(stats));
  }

  json::object dedup = counters_of(find_kind(list, "dedup_filter"));
  json::object queue = counters_of(find_kind(list, "queue"));
  queue["dropped_total"] = totals.queue_dropped.load();

  json::object root;
  root["relay"] = std::move(relay);
  root["upstream"] = std::move(upstream);
  root["dedup"] = std::move(dedup);
  root["queue"] = std::move(queue);
  root["client_directory"] = counters_of(find_kind(list, "client_directory"));
  root["runs"] = std::move(runs);
  root["runs_total"] = run_count;
  root["clients"] = std::move(clients);
  // From the board, not the list: with ?limit the directory reports only that many.
  auto sse = totals.sse_clients.load();
  auto sessions = totals.clients_connected.load();
  root["clients_total"] = std::max<std::uint64_t>(client_count,
                                                  sessions + totals.polls_held.load());
  json::object transports;
  transports["websocket"] = sessions > sse ? sessions - sse : 0;
  transports["sse"] = sse;
  transports["long_poll"] = totals.polls_held.load();
  root["clients_by_transport"] = std::move(transports);
  root["long_polls_answered_total"] = totals.polls_total.load();
  root["delivered_total"] = totals.events_delivered.load();
  root["slow_consumers_closed_total"] = totals.slow_consumers_closed.load();
  root["actors"] = std::move(entries);
  return json::serialize(root);
}

std::string render_metrics(const actors::status_board& board) {
  const auto& c = board.counters;
  auto status = board.upstream();
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help,
                       uint64_t value) {
    out += "# HELP runrelay_";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE runrelay_";
    out += name;
    out += ' ';
    out += type;
    out += "\nrunrelay_";
    out += name;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  metric("upstream_connected", "gauge", "1 while the orchestrator connection is up.",
         status.state == protocol::upstream_state::connected ? 1 : 0);
  metric("upstream_reconnects_total", "counter", "Successful handshakes after a loss.",
         c.upstream_reconnects.load());
  metric("events_accepted_total", "counter", "Events accepted from upstream.",
         c.events_accepted.load());
  metric("events_rejected_total", "counter", "Upstream objects rejected as invalid.",
         c.events_rejected.load());
  metric("events_duplicate_total", "counter", "Duplicate events dropped.",
         c.events_duplicate.load());
  metric("events_delivered_total", "counter", "Event envelopes sent to clients.",
         c.events_delivered.load());
  metric("clients", "gauge", "Connected clients.", c.clients_connected.load());
  auto sse = c.sse_clients.load(), sessions = c.clients_connected.load();
  out += "# HELP runrelay_clients_by_transport Connected clients by transport (a held "
         "long-poll counts as one).\n# TYPE runrelay_clients_by_transport gauge\n";
  out += "runrelay_clients_by_transport{transport=\"websocket\"} " +
         std::to_string(sessions > sse ? sessions - sse : 0) + "\n";
  out += "runrelay_clients_by_transport{transport=\"sse\"} " + std::to_string(sse) + "\n";
  out += "runrelay_clients_by_transport{transport=\"long_poll\"} " +
         std::to_string(c.polls_held.load()) + "\n";
  metric("long_polls_total", "counter", "Long-poll requests answered.",
         c.polls_total.load());
  metric("clients_connected_total", "counter", "Clients ever connected.",
         c.clients_total.load());
  metric("runs", "gauge", "Retained runs.", c.runs.load());
  metric("queue_depth", "gauge", "Client sends waiting for upstream.",
         c.queue_depth.load());
  metric("queue_dropped_total", "counter",
         "Queued sends dropped when the queue was full.", c.queue_dropped.load());
  metric("slow_consumers_closed_total", "counter", "Clients closed for falling behind.",
         c.slow_consumers_closed.load());
  metric("uptime_seconds", "gauge", "Seconds since the relay started.",
         uptime_ms(board) / 1000);
  return out;
}

} // namespace runrelay::services
