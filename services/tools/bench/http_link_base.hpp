#pragma once
// What the SSE and long-poll links share: one TCP connection to the relay, the connect
// deadline (until the relay's `subscribed`), and ending exactly once, with the reason
// of an abort when there was one. Beast stays in the .cpp files of the links.
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "services/tools/bench/client_link.hpp"

namespace runrelay::bench {

class http_link_base : public client_link,
                       public std::enable_shared_from_this<http_link_base> {
public:
  void on_subscribed() override;
  void abort(std::string why) override;
  void close() override;

protected:
  http_link_base(boost::asio::io_context& io, const subscriber_env& env,
                 std::shared_ptr<link_events> owner);

  // Arms the deadline and connects; on_connected() follows.
  void start();
  virtual void on_connected() = 0;
  // Closes the socket and cancels the timers: whatever is pending fails, then finish().
  virtual void drop();
  void finish(const std::string& why);
  bool stopping() const { return closing_ || !abort_reason_.empty(); }

  template <class Link> std::shared_ptr<Link> self() {
    return std::static_pointer_cast<Link>(shared_from_this());
  }

  boost::beast::tcp_stream stream_;
  boost::asio::steady_timer deadline_;
  const subscriber_env& env_;
  std::shared_ptr<link_events> owner_;
  std::string abort_reason_;
  bool subscribed_ = false;
  bool closing_ = false;
  bool ended_ = false;
};

} // namespace runrelay::bench
