#include "services/clients/http_server.hpp"

#include "protocol/client_codec.hpp"
#include "protocol/http_query.hpp"
#include "protocol/websocket_codec.hpp"
#include "services/clients/dashboard_assets.hpp"
#include "services/clients/stats_report.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <charconv>

namespace runrelay::services {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Health checkers and dashboards send small requests; anything larger is refused.
constexpr std::size_t max_request_body = 64 * 1024;
constexpr auto request_timeout = std::chrono::seconds(30);

// The 404 body names the path only when it is text that JSON can carry as it is.
std::string shown_path(std::string_view path) {
  auto decoded = protocol::url_decode(path);
  if (!decoded || decoded->size() > 200)
    return "(not shown)";
  return *decoded;
}

// /runs/<run_id>[/<what>]: the decoded run id and what follows it.
struct run_path {
  std::optional<std::string> run_id;
  std::string_view rest;
};
run_path split_run_path(std::string_view path) {
  auto tail = path.substr(std::string_view("/runs/").size());
  auto slash = tail.find('/');
  return {protocol::decode_path_segment(tail.substr(0, slash)),
          slash == std::string_view::npos ? std::string_view{} : tail.substr(slash)};
}

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(asio::io_context& lane, tcp::socket socket,
               std::shared_ptr<const http_backend> backend)
      : lane_(lane), stream_(std::move(socket)), backend_holder_(std::move(backend)),
        backend_(*backend_holder_) {}

  void start() { do_read(); }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(max_request_body);
    stream_.expires_after(request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset)
      return shutdown();
    if (ec) {
      // A malformed request still gets an answer before the connection closes.
      keep_alive_ = false;
      if (ec == http::error::body_limit)
        return respond(error_answer(413, "request body over 64 KiB"));
      if (ec == http::error::header_limit)
        return respond(error_answer(431, "request header over 8 KiB"));
      return respond(error_answer(400, "bad request: " + ec.message()));
    }
    auto request = parser_->release();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    route(std::move(request));
  }

  void route(http::request<http::string_body> request) {
    auto target = std::string_view(request.target().data(), request.target().size());
    auto query_start = target.find('?');
    auto path = target.substr(0, query_start);
    auto query = query_start == std::string_view::npos ? std::string_view{}
                                                       : target.substr(query_start + 1);
    auto method = request.method();
    auto only = [&](http::verb allowed) {
      if (method == allowed)
        return true;
      respond(error_answer(405, "method not allowed; use " +
                                    std::string(http::to_string(allowed))));
      return false;
    };
    if (path == "/healthz") {
      if (only(http::verb::get))
        respond({200, "application/json", "{\"status\":\"ok\"}"});
    } else if (path == "/readyz") {
      if (!only(http::verb::get))
        return;
      auto state = backend_.board->upstream().state;
      bool draining = backend_.board->draining();
      bool ready = state == protocol::upstream_state::connected && !draining;
      respond({ready ? 200u : 503u, "application/json",
               "{\"state\":\"" + std::string(protocol::to_string(state)) + "\"" +
                   (draining ? ",\"draining\":true}" : "}")});
    } else if (path == "/stats") {
      if (!only(http::verb::get))
        return;
      auto parsed = protocol::parse_stats_query(query);
      if (auto* error = std::get_if<protocol::query_error>(&parsed))
        return respond(error_answer(400, error->message));
      backend_.stats(std::get<protocol::stats_query>(parsed).limit, deferred());
    } else if (path == "/runs" || path.substr(0, 6) == "/runs/") {
      if (only(http::verb::get))
        route_runs(path, query, request);
    } else if (path == "/metrics") {
      if (only(http::verb::get))
        respond({200, "text/plain; version=0.0.4", render_metrics(*backend_.board)});
    } else if (path == "/upstream/reconnect") {
      if (only(http::verb::post))
        backend_.reconnect(deferred());
    } else if (path == "/ws") {
      if (!only(http::verb::get))
        return;
      if (!beast::websocket::is_upgrade(request))
        return respond(error_answer(426, "GET /ws expects a WebSocket upgrade"));
      auto version = request[http::field::sec_websocket_version];
      if (version.empty())
        return respond(error_answer(400, "missing Sec-WebSocket-Version"));
      if (version != "13") {
        // RFC 6455 section 4.4: name the version this server speaks.
        return respond(error_answer(426, "WebSocket version 13 required"),
                       {http::field::sec_websocket_version, "13"});
      }
      auto accept =
          protocol::websocket::accept_key(request[http::field::sec_websocket_key]);
      if (!accept)
        return respond(error_answer(400, "missing or malformed Sec-WebSocket-Key"));
      stream_.expires_never();
      backend_.upgrade(lane_, stream_.release_socket(), std::move(*accept));
    } else if (const auto* asset = asset_table::dashboard().find(path)) {
      if (only(http::verb::get))
        respond_asset(*asset, request[http::field::if_none_match]);
    } else {
      respond(error_answer(404, "no such path: " + shown_path(path)));
    }
  }

  void route_runs(std::string_view path, std::string_view query,
                  const http::request<http::string_body>& request) {
    if (path == "/runs" || path == "/runs/")
      return respond(backend_.runs->list(query));
    auto [run_id, rest] = split_run_path(path);
    if (!run_id)
      return respond(error_answer(400, "the run id in the path is not valid"));
    if (rest.empty())
      return respond(backend_.runs->detail(*run_id));
    if (rest == "/events")
      return backend_.runs->poll(*run_id, query, deferred());
    if (rest != "/stream")
      return respond(error_answer(404, "no such path: " + shown_path(path)));
    auto parsed = protocol::parse_stream_query(query, request["Last-Event-ID"]);
    if (auto* error = std::get_if<protocol::query_error>(&parsed))
      return respond(error_answer(400, error->message));
    stream_.expires_never();
    backend_.stream(lane_, stream_.release_socket(), *run_id,
                    std::get<protocol::stream_query>(parsed).since, version_);
  }

  // An answer that arrives later from another thread, brought back to this lane.
  answer_callback deferred() {
    return [self = shared_from_this()](http_answer answer) {
      asio::post(self->lane_, [self, answer = std::move(answer)]() mutable {
        self->respond(std::move(answer));
      });
    };
  }

  // The dashboard's files: revalidated on every load (no-cache) so that a new binary's
  // page shows at once, and 304 when the browser's copy is already the current one.
  void respond_asset(const dashboard_asset& asset, std::string_view if_none_match) {
    bool current = if_none_match == asset.etag;
    http_answer answer{current ? 304u : 200u, std::string(asset.content_type),
                       current ? std::string() : std::string(asset.body)};
    answer.cache_control = "no-cache";
    respond(std::move(answer), {http::field::etag, asset.etag});
  }

  void respond(http_answer answer, std::pair<http::field, std::string_view> extra = {}) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(answer.status), version_);
    response->set(http::field::server, "runrelay");
    response->set(http::field::content_type, answer.content_type);
    response->set(http::field::cache_control, answer.cache_control);
    if (!extra.second.empty())
      response->set(extra.first, extra.second);
    for (auto& [name, value] : answer.headers)
      response->set(name, value);
    response->body() = std::move(answer.body);
    response->keep_alive(keep_alive_);
    response->prepare_payload();
    stream_.expires_after(request_timeout);
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
          if (ec || !self->keep_alive_)
            return self->shutdown();
          self->do_read();
        });
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  asio::io_context& lane_;
  beast::tcp_stream stream_;
  std::shared_ptr<const http_backend> backend_holder_;
  const http_backend& backend_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  unsigned version_ = 11;
};

} // namespace

struct http_server::listener : std::enable_shared_from_this<listener> {
  explicit listener(io_pool& pool)
      : pool(pool), acceptor(pool.first()), retry_timer(pool.first()) {}

  void do_accept() {
    auto& lane = pool.next();
    acceptor.async_accept(lane, [self = shared_from_this(), &lane](beast::error_code ec,
                                                                   tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open())
        return;
      if (ec) {
        // Out of file descriptors, typically: retrying at once would spin.
        spdlog::warn("http: accept: {}; pausing accepts for 100 ms", ec.message());
        self->retry_timer.expires_after(std::chrono::milliseconds(100));
        self->retry_timer.async_wait([self](beast::error_code wait_error) {
          if (!wait_error && self->acceptor.is_open())
            self->do_accept();
        });
        return;
      } else {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<http_session>(lane, std::move(socket), self->backend)->start();
      }
      self->do_accept();
    });
  }

  io_pool& pool;
  std::shared_ptr<const http_backend> backend;
  tcp::acceptor acceptor;
  asio::steady_timer retry_timer;
};

http_server::http_server(io_pool& pool) : listener_(std::make_shared<listener>(pool)) {}

http_server::~http_server() = default;

void http_server::listen(const std::string& host, uint16_t port) {
  auto& acceptor = listener_->acceptor;
  tcp::resolver resolver(listener_->pool.first());
  auto endpoint = resolver.resolve(host, std::to_string(port), tcp::resolver::passive)
                      .begin()
                      ->endpoint();
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
}

void http_server::start(http_backend backend) {
  listener_->backend = std::make_shared<const http_backend>(std::move(backend));
  asio::post(listener_->acceptor.get_executor(), [l = listener_] { l->do_accept(); });
}

uint16_t http_server::port() const {
  return listener_->acceptor.local_endpoint().port();
}

void http_server::stop_accepting() {
  asio::post(listener_->acceptor.get_executor(), [l = listener_] {
    beast::error_code ignored;
    l->acceptor.close(ignored);
    l->retry_timer.cancel();
  });
}

} // namespace runrelay::services
