#include "services/tools/bench/http_link_base.hpp"

namespace runrelay::bench {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

constexpr int no_close_code = -1; // HTTP links end without a WebSocket close code

http_link_base::http_link_base(asio::io_context& io, const subscriber_env& env,
                               std::shared_ptr<link_events> owner)
    : stream_(io), deadline_(io), env_(env), owner_(std::move(owner)) {}

void http_link_base::start() {
  deadline_.expires_after(env_.connect_timeout);
  deadline_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && !self->subscribed_ && !self->ended_)
      self->abort("no `subscribed` within the connect timeout");
  });
  stream_.socket().async_connect(env_.endpoint,
                                 [self = shared_from_this()](error_code ec) {
                                   if (ec)
                                     return self->finish("connect: " + ec.message());
                                   self->on_connected();
                                 });
}

void http_link_base::on_subscribed() {
  subscribed_ = true;
  deadline_.cancel();
}

void http_link_base::abort(std::string why) {
  abort_reason_ = std::move(why);
  drop();
}

void http_link_base::close() {
  closing_ = true;
  drop();
}

void http_link_base::drop() {
  error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  deadline_.cancel();
}

void http_link_base::finish(const std::string& why) {
  if (ended_)
    return;
  ended_ = true;
  drop();
  owner_->on_link_end(abort_reason_.empty() ? why : abort_reason_, no_close_code,
                      subscribed_ || closing_);
}

} // namespace runrelay::bench
