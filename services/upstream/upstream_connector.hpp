#pragma once
// The upstream WebSocket client transport: dials ws:// or wss://, hands the owner actor
// an actors::upstream_link and reports to it as actors/upstream/upstream_link.hpp
// describes. Beast stays in upstream_connector.cpp; this header needs only Asio forward
// types.
#include "actors/upstream/upstream_link.hpp"
#include "services/web_client/tls_client.hpp"
#include "services/web_client/web_url.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
namespace ssl {
class context;
} // namespace ssl
} // namespace boost::asio

namespace runrelay::services {

// The upstream is a ws:// or wss:// URL (docs/protocol.md section 1), split by the one
// parser every program dials with.
using upstream_endpoint = web_client::web_url;

// nullopt unless web_client::parse_web_url accepts `url` as ws:// or wss://.
std::optional<upstream_endpoint> parse_ws_url(std::string_view url);

struct upstream_timeouts {
  std::chrono::milliseconds connect{10000};   // resolve + TCP connect
  std::chrono::milliseconds handshake{10000}; // TLS, WebSocket opening and closing
};

// Each call dials `where` on `io` (which must outlive every link) and returns the link
// at once. `tls` is used for wss:// (a default client context when null).
actors::upstream_dialer make_upstream_dialer(
    boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls,
    upstream_endpoint where, upstream_timeouts t, std::size_t max_message_bytes);

// Verifies the peer against the system's default CA paths; the dialer adds SNI and
// host name verification per connection (web_client::prepare_tls_client).
using web_client::make_client_tls_context;

} // namespace runrelay::services
