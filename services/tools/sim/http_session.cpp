#include "services/tools/sim/http_session.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "services/tools/sim/control_api.hpp"
#include "services/tools/sim/sim_server.hpp"
#include "services/tools/sim/ws_session.hpp"

namespace runrelay::sim {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr std::uint64_t max_request_body = 16 * 1024 * 1024;
constexpr std::chrono::seconds request_timeout{30};

class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket socket, sim_server& server)
      : stream_(std::move(socket)), server_(server) {}

  void run() { do_read(); }

private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(max_request_body);
    stream_.expires_after(request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&http_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) {
      do_close();
      return;
    }
    if (ec) {
      if (ec != beast::error::timeout)
        spdlog::debug("HTTP read failed: {}", ec.message());
      return;
    }
    auto request = parser_->release();
    if (websocket::is_upgrade(request)) {
      on_upgrade(std::move(request));
      return;
    }
    auto answer = handle_control(server_, request.method_string(), request.target(),
                                 std::move(request.body()));
    respond(request, static_cast<http::status>(answer.status), std::move(answer.body),
            request.keep_alive());
  }

  void on_upgrade(http::request<http::string_body> request) {
    if (!server_.admit_upgrade()) {
      respond(request, http::status::service_unavailable,
              R"({"error":"the orchestrator is refusing connections"})", false);
      return;
    }
    stream_.expires_never();
    start_ws_session(std::move(stream_), std::move(request), server_.hub(),
                     server_.next_connection_number());
  }

  void respond(const http::request<http::string_body>& request, http::status status,
               std::string body, bool keep_alive) {
    auto response =
        std::make_shared<http::response<http::string_body>>(status, request.version());
    response->set(http::field::server, "runrelay-sim");
    response->set(http::field::content_type, "application/json");
    response->keep_alive(keep_alive);
    response->body() = std::move(body);
    response->prepare_payload();
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
          self->on_write(ec, response->keep_alive());
        });
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    if (ec)
      return;
    if (!keep_alive) {
      do_close();
      return;
    }
    do_read();
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  sim_server& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

} // namespace

void start_http_session(boost::asio::ip::tcp::socket socket, sim_server& server) {
  std::make_shared<http_session>(std::move(socket), server)->run();
}

} // namespace runrelay::sim
