#include "services/tools/bench/relay_probe.hpp"

#include <filesystem>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "services/tools/bench/relay_process.hpp"
#include "services/tools/bench/report.hpp"

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

constexpr auto stats_timeout = std::chrono::seconds(5);

std::optional<std::uint64_t> count_fds(int pid) {
  std::error_code ec;
  std::uint64_t count = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec),
       end;
       !ec && it != end; it.increment(ec))
    ++count;
  return ec ? std::nullopt : std::optional<std::uint64_t>(count);
}

// GET /stats?limit=1: the totals, and the pipeline's actors (the list holds every
// actor that is not a run subscriber or client session, and at most one of those).
std::optional<json::object> fetch_stats(const std::string& host, unsigned short port) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(stats_timeout);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address(host, ec), port), ec);
  http::request<http::empty_body> request{http::verb::get, "/stats?limit=1", 11};
  request.set(http::field::host, host + ":" + std::to_string(port));
  if (!ec)
    http::write(stream, request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec)
    http::read(stream, buffer, response, ec);
  if (ec || response.result_int() != 200)
    return std::nullopt;
  auto value = json::parse(response.body(), ec);
  if (ec || !value.is_object())
    return std::nullopt;
  return value.as_object();
}

std::uint64_t number_at(const json::object& object, const char* key) {
  const auto* value = object.if_contains(key);
  return value && value->is_number() ? value->to_number<std::uint64_t>() : 0;
}

} // namespace

relay_counts probe_relay(int pid, const std::string& host, unsigned short port) {
  relay_counts counts;
  if (pid > 0) {
    if (auto sample = sample_process(pid))
      counts.rss_kib = sample->rss_kib;
    counts.open_fds = count_fds(pid);
  }
  auto stats = fetch_stats(host, port);
  if (!stats)
    return counts;
  counts.runs = number_at(*stats, "runs_total");
  counts.clients = number_at(*stats, "clients_total");
  std::uint64_t pipeline = 0;
  if (const auto* actors = stats->if_contains("actors"); actors && actors->is_array())
    for (const auto& actor : actors->get_array()) {
      const auto* kind =
          actor.is_object() ? actor.as_object().if_contains("kind") : nullptr;
      if (kind && kind->is_string() && kind->get_string() != "run_subscriber" &&
          kind->get_string() != "client_session")
        ++pipeline;
    }
  counts.actors = pipeline + counts.runs + counts.clients;
  return counts;
}

json::object counts_json(const relay_counts& c) {
  auto optional = [](const std::optional<std::uint64_t>& v) {
    return v ? json::value(*v) : json::value(nullptr);
  };
  return {
      {"at_s", round_to(c.at_s, 1)},
      {"rss_mb", c.rss_kib ? json::value(kib_to_mb(*c.rss_kib)) : json::value(nullptr)},
      {"open_fds", optional(c.open_fds)},
      {"actors", optional(c.actors)},
      {"runs", c.runs},
      {"clients", c.clients}};
}

} // namespace runrelay::bench
