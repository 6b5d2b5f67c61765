#pragma once
// One WebSocket connection to the relay, ws:// or wss://, for one attempt: resolve,
// connect, TLS (peer verified, SNI), upgrade, then read messages until it ends. The
// watcher makes a new one for every (re)connect. Pings from the relay are answered by
// Beast; a silent relay is detected by Beast's idle timeout (keep-alive pings).
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "services/web_client/web_url.hpp"

namespace boost::asio::ssl {
class context;
}

namespace runrelay::watch {

struct connection_handlers {
  std::function<void()> on_open;               // upgraded: messages may be sent
  std::function<void(std::string)> on_message; // one message from the relay
  std::function<void(std::string)> on_closed;  // why it ended; "" when we closed it
};

class ws_connection {
public:
  virtual ~ws_connection() = default;
  // Queued until the upgrade is done, then written in order.
  virtual void send(std::string text) = 0;
  // A close handshake when open, else abandons the attempt; on_closed("") follows.
  virtual void close() = 0;
};

// `tls` must outlive the connection and is used only for wss:// URLs.
std::shared_ptr<ws_connection> start_ws_connection(boost::asio::io_context& io,
                                                   boost::asio::ssl::context& tls,
                                                   const web_client::web_url& url,
                                                   connection_handlers handlers);

} // namespace runrelay::watch
