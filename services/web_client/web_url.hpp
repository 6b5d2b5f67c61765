#pragma once
// The one parser of the URLs runrelay's programs dial: the relay's --upstream (ws://,
// wss://), runrelay-watch's --url and --stats, runrelay-bench's --relay-url. It splits a
// URL into what Asio resolves and what Beast sends; it opens nothing.
#include <initializer_list>
#include <string>
#include <string_view>

namespace runrelay::web_client {

struct web_url {
  std::string scheme; // lower case: "ws", "wss", "http" or "https"
  bool tls = false;   // wss or https
  std::string host;   // without the brackets of an IPv6 literal: "::1" for [::1]
  std::string port;   // decimal, "80"/"443" when the URL has none
  std::string target; // path and query, at least "/"; never a fragment

  // host, bracketed when IPv6, with the port unless it is the scheme's default: what a
  // Host header (and the WebSocket upgrade) carries.
  std::string host_header() const;
  // host:port always, [v6]:port: for logs and messages.
  std::string host_port() const;
  // scheme://host:port/target, the port always shown: for logs and messages.
  std::string text() const;
};

// Splits `text`, whose scheme must be one of `schemes` (lower case, e.g. {"ws", "wss"};
// the scheme in `text` may be in any case). Returns "" when `out` was filled, else what
// is wrong, said of the URL ("has no host", "is not a ws:// or wss:// URL") for the
// caller to put after the URL as it quotes it; `out` is untouched then.
// Rejected: another scheme, user info (RFC 6455 section 3 has none), an empty host, an
// IPv6 literal without brackets, a space or control character, a port that is empty,
// not digits, 0 or above 65535. A fragment is dropped (a WebSocket URI has none).
std::string parse_web_url(std::string_view text,
                          std::initializer_list<std::string_view> schemes, web_url& out);

// The default port of a scheme runrelay dials: "443" for wss and https, else "80".
std::string default_port(std::string_view scheme);

} // namespace runrelay::web_client
