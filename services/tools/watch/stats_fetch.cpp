#include "services/tools/watch/stats_fetch.hpp"

#include <memory>
#include <type_traits>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "services/web_client/tls_client.hpp"

namespace runrelay::watch {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::uint64_t max_body_bytes = 64ull << 20; // a /stats of many runs and clients

template <class Stream> class fetch : public std::enable_shared_from_this<fetch<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

public:
  template <class... StreamArgs>
  fetch(asio::io_context& io, web_client::web_url url, std::chrono::milliseconds timeout,
        http_result& result, StreamArgs&&... stream_args)
      : resolver_(io), stream_(std::forward<StreamArgs>(stream_args)...),
        url_(std::move(url)), timeout_(timeout), result_(result) {}

  void run() {
    beast::get_lowest_layer(stream_).expires_after(timeout_);
    resolver_.async_resolve(url_.host, url_.port,
                            beast::bind_front_handler(&fetch::on_resolve, self()));
  }

private:
  std::shared_ptr<fetch> self() { return this->shared_from_this(); }

  void on_resolve(error_code ec, const tcp::resolver::results_type& results) {
    if (ec)
      return fail(ec, "cannot resolve " + url_.host);
    beast::get_lowest_layer(stream_).async_connect(
        results, beast::bind_front_handler(&fetch::on_connect, self()));
  }

  void on_connect(error_code ec, const tcp::endpoint&) {
    if (ec)
      return fail(ec, "cannot connect");
    if constexpr (is_tls) {
      if (auto tls_ec =
              web_client::prepare_tls_client(stream_.native_handle(), url_.host))
        return fail(tls_ec, "TLS");
      stream_.async_handshake(
          asio::ssl::stream_base::client,
          beast::bind_front_handler(&fetch::on_tls_handshake, self()));
    } else {
      do_write();
    }
  }

  void on_tls_handshake(error_code ec) {
    if (ec)
      return fail(ec, "TLS handshake");
    do_write();
  }

  void do_write() {
    request_ = {http::verb::get, url_.target, 11};
    request_.set(http::field::host, url_.host_header());
    request_.set(http::field::user_agent, "runrelay-watch");
    request_.set(http::field::accept, "application/json");
    http::async_write(stream_, request_,
                      beast::bind_front_handler(&fetch::on_write, self()));
  }

  void on_write(error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "write");
    parser_.body_limit(max_body_bytes);
    http::async_read(stream_, buffer_, parser_,
                     beast::bind_front_handler(&fetch::on_read, self()));
  }

  void on_read(error_code ec, std::size_t) {
    if (ec)
      return fail(ec, "read");
    result_.status = parser_.get().result_int();
    result_.body = std::move(parser_.get().body());
    beast::get_lowest_layer(stream_).close(); // no TLS shutdown: the answer is complete
  }

  // The one error reporter; an answer that arrived is never an error.
  void fail(error_code ec, const std::string& what) {
    if (result_.status != 0 || ec == asio::error::operation_aborted)
      return;
    result_.error = what + ": " +
                    (ec == beast::error::timeout
                         ? "no answer within " + std::to_string(timeout_.count()) + " ms"
                         : ec.message());
  }

  tcp::resolver resolver_;
  Stream stream_;
  web_client::web_url url_;
  std::chrono::milliseconds timeout_;
  http_result& result_;
  beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response_parser<http::string_body> parser_;
};

} // namespace

http_result http_get(const web_client::web_url& url, std::chrono::milliseconds timeout) {
  http_result result;
  asio::io_context io;
  auto tls = url.tls ? web_client::make_client_tls_context() : nullptr;
  if (tls) {
    std::make_shared<fetch<tls_stream>>(io, url, timeout, result, io.get_executor(), *tls)
        ->run();
  } else {
    std::make_shared<fetch<plain_stream>>(io, url, timeout, result, io.get_executor())
        ->run();
  }
  io.run();
  return result;
}

} // namespace runrelay::watch
