#pragma once
// TLS as runrelay's programs use it when they dial (the relay's wss:// upstream,
// runrelay-watch's wss:// and https://): one client context and one preparation of each
// connection, so that every program verifies its peer and sends SNI alike. OpenSSL and
// Asio's ssl headers stay in tls_client.cpp.
#include <memory>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

struct ssl_st; // OpenSSL's SSL, what an asio::ssl::stream's native_handle() returns

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace runrelay::web_client {

// TLS 1.2 or later; the peer must present a certificate that the system's default CA
// paths vouch for. Without CA paths every handshake fails and says why.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context();

// True when `host` is a name to send as SNI, false for an IPv4 or IPv6 literal: RFC 6066
// section 3 lets HostName carry a DNS name only, never an address.
bool wants_sni(std::string_view host);

// Before the handshake on `ssl`: SNI when `host` is a name (wants_sni), and the peer's
// certificate must be for `host`, as a DNS name or as an IP address. An error when
// OpenSSL refused either setting.
boost::system::error_code prepare_tls_client(ssl_st* ssl, const std::string& host);

} // namespace runrelay::web_client
