#include "services/web_client/tls_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace runrelay::web_client {

namespace asio = boost::asio;

std::shared_ptr<asio::ssl::context> make_client_tls_context() {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds |
                   asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                   asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ignored; // without CA paths the handshake fails and says why
  ctx->set_default_verify_paths(ignored);
  ctx->set_verify_mode(asio::ssl::verify_peer);
  return ctx;
}

bool wants_sni(std::string_view host) {
  boost::system::error_code not_an_address;
  asio::ip::make_address(std::string(host), not_an_address);
  return !host.empty() && not_an_address;
}

boost::system::error_code prepare_tls_client(ssl_st* ssl, const std::string& host) {
  // OpenSSL checks the name (or address) while it verifies the chain, so a mismatch
  // fails the handshake as "certificate verify failed", like an unknown issuer.
  bool ok = wants_sni(host)
                ? SSL_set_tlsext_host_name(ssl, host.c_str()) &&
                      SSL_set1_host(ssl, host.c_str())
                : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  if (ok)
    return {};
  auto code = static_cast<int>(::ERR_get_error());
  if (code == 0) // nothing queued: say at least that the setting was refused
    return asio::error::invalid_argument;
  return {code, asio::error::get_ssl_category()};
}

} // namespace runrelay::web_client
