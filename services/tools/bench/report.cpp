#include "services/tools/bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace runrelay::bench {
namespace {

namespace json = boost::json;

const json::value null_value;

// obj[key], or null when the key (or obj) is missing.
const json::value& at(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  const auto* found = o ? o->if_contains(key) : nullptr;
  return found ? *found : null_value;
}

std::string text(const json::value& v, const char* fallback = "?") {
  return v.is_string() ? std::string(v.get_string()) : fallback;
}

// A number, or 0 when it is missing (a failed setup leaves most figures out).
double number(const json::value& v) {
  return v.is_number() ? v.to_number<double>() : 0.0;
}

// A number as text ("-" for null), with at most `decimals` decimals.
std::string num(const json::value& v, int decimals = 2) {
  if (v.is_int64())
    return std::to_string(v.get_int64());
  if (v.is_uint64())
    return std::to_string(v.get_uint64());
  if (v.is_double())
    return fmt::format("{:.{}f}", v.get_double(), decimals);
  return "-";
}

std::string latency_line(const json::value& l) {
  return fmt::format("p50 {} p90 {} p99 {} p99.9 {} max {} ms ({} samples)",
                     num(at(l, "p50")), num(at(l, "p90")), num(at(l, "p99")),
                     num(at(l, "p999")), num(at(l, "max")), num(at(l, "samples")));
}

void add_deliveries(const json::value& r, std::string& out) {
  const auto& p = at(r, "publish");
  const auto& d = at(r, "deliveries");
  out += fmt::format("   published {} events ({}/s over {} s; at most {} queued in the "
                     "bench; not published {}, unsent {})\n",
                     num(at(p, "published")), num(at(p, "rate"), 1),
                     num(at(p, "seconds")), num(at(p, "queued_peak")),
                     num(at(p, "not_published")), num(at(p, "unsent_after_drain")));
  out += fmt::format(
      "   deliveries {} of {} expected ({}/s): lost {}, duplicated {}, out of "
      "order {}\n",
      num(at(d, "delivered")), num(at(d, "expected")), num(at(d, "per_s"), 0),
      num(at(d, "lost")), num(at(d, "duplicated")), num(at(d, "out_of_order")));
  if (number(at(d, "lost")) > 0)
    out += fmt::format("     {} subscribers lost events (at most {} each); the drain "
                       "waited {} s, {}/s were still arriving at its end\n",
                       num(at(d, "subscribers_with_loss")),
                       num(at(d, "max_lost_per_subscriber")),
                       num(at(at(r, "drain"), "seconds")),
                       num(at(at(r, "drain"), "still_arriving_per_s"), 0));
  out += "   latency " + latency_line(at(r, "latency_ms")) + "\n";
  const auto& cpu = at(r, "cpu");
  out += fmt::format("   cpu while publishing: relay {} cores, bench {} cores\n",
                     num(at(cpu, "relay_cores")), num(at(cpu, "bench_cores")));
}

} // namespace

json::object config_json(const bench_options& o) {
  std::string sample_event; // a typical event: its size is what goes on the wire
  format_bench_event(sample_event, o.run_id(o.runs - 1), 100000, monotonic_us(),
                     o.payload_bytes);
  json::object config{{"clients", o.clients},
                      {"runs", o.runs},
                      {"run_prefix", o.run_prefix},
                      {"rate", o.rate},
                      {"burst", o.burst},
                      {"duration_s", o.duration_s},
                      {"warmup_s", o.warmup_s},
                      {"drain_s", o.drain_s},
                      {"payload_bytes", o.payload_bytes},
                      {"event_bytes", sample_event.size()},
                      {"threads", o.threads},
                      {"connect_concurrency", o.connect_concurrency},
                      {"hardware_threads", std::thread::hardware_concurrency()}};
  if (o.mode == bench_mode::saturate) {
    config["rates"] = json::value_from(o.rates);
    config["step_duration_s"] = o.step_duration_s;
    config["p99_limit_ms"] = o.p99_limit_ms;
  }
  if (o.mode == bench_mode::storm)
    config["storm_at_s"] = o.storm_at_s;
  return config;
}

json::object connect_json(const pool_progress& progress, const pool_report& report,
                          std::uint32_t clients, double wall_s) {
  json::object connect{
      {"subscribed", progress.subscribed},
      {"failed", progress.failed},
      {"unsettled", clients - progress.settled()},
      {"retries", report.retries},
      {"wall_s", round_to(wall_s, 2)},
      {"per_s", round_to(progress.subscribed / std::max(wall_s, 1e-3), 1)},
      {"per_connection_ms", latency_json(report.connect_us)}};
  connect["errors"] = json::value_from(report.errors);
  return connect;
}

double round_to(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

double kib_to_mb(std::uint64_t kib) {
  return round_to(static_cast<double>(kib) / 1024, 1);
}

json::object latency_json(const latency_histogram& h) {
  auto ms = [](double us) { return round_to(us / 1000.0, 3); };
  if (h.count() == 0)
    return {{"samples", 0},   {"mean", nullptr}, {"min", nullptr},  {"p50", nullptr},
            {"p90", nullptr}, {"p99", nullptr},  {"p999", nullptr}, {"max", nullptr}};
  return {{"samples", h.count()},
          {"mean", ms(h.mean())},
          {"min", ms(static_cast<double>(h.min()))},
          {"p50", ms(h.percentile(50))},
          {"p90", ms(h.percentile(90))},
          {"p99", ms(h.percentile(99))},
          {"p999", ms(h.percentile(99.9))},
          {"max", ms(static_cast<double>(h.max()))}};
}

json::object deliveries_json(const delivery_totals& t) {
  return {{"subscribers", t.subscribers},
          {"expected", t.expected},
          {"delivered", t.delivered},
          {"lost", t.lost},
          {"duplicated", t.duplicated},
          {"out_of_order", t.out_of_order},
          {"stray", t.stray},
          {"subscribers_with_loss", t.subscribers_with_loss},
          {"max_lost_per_subscriber", t.max_lost_per_subscriber}};
}

json::object counts_json(const std::map<std::string, std::uint64_t>& counts) {
  json::object out;
  for (const auto& [key, n] : counts)
    out[key] = n;
  return out;
}

json::object counts_json(const std::map<int, std::uint64_t>& counts) {
  json::object out;
  for (const auto& [code, n] : counts)
    out[code < 0 ? std::string("none") : std::to_string(code)] = n;
  return out;
}

namespace {

// The soak's churn and its three samples of the relay, one line each.
void add_soak(const json::value& soak, std::string& out) {
  out += fmt::format("   soak: {} churns of {}% every {} s, {} resumed, {} failed\n",
                     num(at(soak, "churn_rounds")), num(at(soak, "churn_percent")),
                     num(at(soak, "churn_every_s")), num(at(soak, "resubscribed")),
                     num(at(soak, "reconnect_failures")));
  if (const auto* samples = at(soak, "samples").if_array())
    for (const auto& sample : *samples)
      out += fmt::format("     at {:>7} s: RSS {} MB, {} fds, {} actors ({} runs, {} "
                         "clients)\n",
                         num(at(sample, "at_s"), 1), num(at(sample, "rss_mb"), 1),
                         num(at(sample, "open_fds")), num(at(sample, "actors")),
                         num(at(sample, "runs")), num(at(sample, "clients")));
  out += fmt::format("     RSS growth from the middle to the end: {}%\n",
                     num(at(soak, "rss_growth_middle_to_end_percent"), 2));
}

} // namespace

std::string human_summary(const json::object& result) {
  json::value r = result;
  const auto& c = at(r, "config");
  const auto& relay = at(r, "relay");
  const auto& connect = at(r, "connect");
  std::string mode = text(at(r, "mode"));
  const auto* transport = r.as_object().if_contains("transport");
  std::string out = fmt::format(
      "== runrelay-bench {}: {} {} clients on {} runs", mode, num(at(c, "clients")),
      transport ? text(*transport) : std::string("ws"), num(at(c, "runs")));
  std::string burst =
      number(at(c, "burst")) > 0 ? " in bursts of " + num(at(c, "burst")) : "";
  if (mode == "idle")
    out += fmt::format(", held {} s\n", num(at(c, "duration_s"), 1));
  else if (mode == "saturate")
    out +=
        fmt::format(", from {} events/s{} in {} s steps (+{} s warm-up), {} B events\n",
                    num(at(c, "rate"), 0), burst, num(at(c, "step_duration_s"), 1),
                    num(at(c, "warmup_s"), 1), num(at(c, "event_bytes")));
  else
    out += fmt::format(", {} events/s{} for {} s (+{} s warm-up), {} B events\n",
                       num(at(c, "rate"), 1), burst, num(at(c, "duration_s"), 1),
                       num(at(c, "warmup_s"), 1), num(at(c, "event_bytes")));
  std::string hello_id = text(at(at(relay, "hello"), "relay_id"));
  if (!at(relay, "url").is_null())
    out += fmt::format("   relay {} at {} (pid {}, relay_id {})\n",
                       at(relay, "spawned").is_bool() && at(relay, "spawned").get_bool()
                           ? "spawned"
                           : "attached",
                       text(at(relay, "url")), num(at(relay, "pid")), hello_id);
  if (!connect.is_null())
    out +=
        fmt::format("   connect: {} subscribed, {} failed in {} s ({}/s; per connection "
                    "p50 {} p99 {} ms)\n",
                    num(at(connect, "subscribed")), num(at(connect, "failed")),
                    num(at(connect, "wall_s")), num(at(connect, "per_s"), 0),
                    num(at(at(connect, "per_connection_ms"), "p50")),
                    num(at(at(connect, "per_connection_ms"), "p99")));
  if (!at(r, "publish").is_null())
    add_deliveries(r, out);
  if (const auto& storm = at(r, "storm"); !storm.is_null())
    out += fmt::format(
        "   storm at {} s: {} resubscribed, {} failed, {} of {} caught up, "
        "all in {} s (per client p50 {} p99 {} ms), {} gap resumes\n",
        num(at(storm, "at_s")), num(at(storm, "resubscribed")),
        num(at(storm, "reconnect_failures")), num(at(storm, "caught_up")),
        num(at(storm, "clients")), num(at(storm, "catch_up_s"), 3),
        num(at(at(storm, "catch_up_ms"), "p50")),
        num(at(at(storm, "catch_up_ms"), "p99")), num(at(storm, "gap_resumes")));
  if (const auto& soak = at(r, "soak"); !soak.is_null())
    add_soak(soak, out);
  if (const auto& idle = at(r, "idle"); !idle.is_null())
    out += fmt::format(
        "   idle {} s with {} connections: relay RSS {} -> {} MB ({} MB, {} "
        "KiB per connection), relay cpu {} cores\n",
        num(at(idle, "held_s")), num(at(idle, "subscribed")),
        num(at(idle, "rss_mb_before_connect"), 1), num(at(idle, "rss_mb_after_hold"), 1),
        num(at(idle, "rss_mb_delta"), 1), num(at(idle, "kib_per_connection")),
        num(at(idle, "relay_cores"), 3));
  if (const auto* steps = at(r, "steps").if_array()) {
    for (const auto& st : *steps)
      out += fmt::format(
          "   {} {:>8} ev/s -> {:>9} deliveries/s  p99 {:>7} ms  lost {}  "
          "relay {} bench {} cores{}\n",
          at(st, "pass").is_bool() && at(st, "pass").get_bool() ? "PASS" : "FAIL",
          num(at(st, "rate"), 0), num(at(at(st, "deliveries"), "per_s"), 0),
          num(at(at(st, "latency_ms"), "p99")), num(at(at(st, "deliveries"), "lost")),
          num(at(at(st, "cpu"), "relay_cores")), num(at(at(st, "cpu"), "bench_cores")),
          at(st, "reason").is_string() ? "  (" + text(at(st, "reason")) + ")" : "");
    const auto& good = at(r, "last_good");
    out +=
        good.is_null()
            ? "   last good rate: none\n"
            : fmt::format("   last good rate: {} events/s ({} deliveries/s, "
                          "p99 {} ms)\n",
                          num(at(good, "rate"), 0), num(at(good, "delivered_per_s"), 0),
                          num(at(good, "p99_ms")));
  }
  if (!at(relay, "rss_mb_start").is_null())
    out += fmt::format(
        "   relay RSS MB: start {}, after connect {} ({} KiB/connection), end "
        "{}, peak (HWM) {}; cpu peak {} cores; {}\n",
        num(at(relay, "rss_mb_start"), 1), num(at(relay, "rss_mb_after_connect"), 1),
        num(at(relay, "rss_kib_per_connection")), num(at(relay, "rss_mb_end"), 1),
        num(at(relay, "rss_mb_hwm"), 1), num(at(relay, "cpu_cores_peak")),
        text(at(relay, "exit"), "running"));
  const auto& bench = at(r, "bench_cpu");
  if (!bench.is_null())
    out += fmt::format(
        "   bench cpu peak {} cores over {} threads (busiest thread {} cores)\n",
        num(at(bench, "cores_peak")), num(at(bench, "threads")),
        num(at(bench, "busiest_thread_cores_peak")));
  const auto& machine = at(r, "machine");
  const auto& queues = at(r, "kernel_queues_kb");
  if (!machine.is_null())
    out += fmt::format(
        "   machine: other processes {} cores on average (peak {}); kernel "
        "queues peak KB: bench recv {}, relay send {}\n",
        num(at(machine, "other_cores_mean")), num(at(machine, "other_cores_peak")),
        num(at(queues, "client_recv_peak"), 0), num(at(queues, "relay_send_peak"), 0));
  if (const auto* codes = at(r, "close_codes").if_object(); codes && !codes->empty()) {
    out += "   unexpected closes:";
    for (const auto& [code, n] : *codes)
      out += fmt::format(" {} x {}", num(n), std::string(code));
    out += "\n";
  }
  for (const char* list : {"warnings", "problems"})
    if (const auto* items = at(r, list).if_array())
      for (const auto& item : *items)
        if (item.is_string())
          out += fmt::format("   {}: {}\n", list[0] == 'w' ? "warning" : "PROBLEM",
                             text(item));
  out += at(r, "ok").is_bool() && at(r, "ok").get_bool() ? "   RESULT: OK\n"
                                                         : "   RESULT: FAILED\n";
  return out;
}

} // namespace runrelay::bench
