// The one URL parser of runrelay's programs, and the SNI decision of its TLS setup.
#include "services/web_client/tls_client.hpp"
#include "services/web_client/web_url.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using runrelay::web_client::parse_web_url;
using runrelay::web_client::wants_sni;
// The suite is named web_url, so the type goes by another name here.
using parts = runrelay::web_client::web_url;

namespace {

// What --url accepts in runrelay-watch and --upstream in the relay.
parts ws(const std::string& text) {
  parts url;
  auto error = parse_web_url(text, {"ws", "wss"}, url);
  BOOST_TEST_REQUIRE(error.empty(), text << ": " << error);
  return url;
}

std::string ws_error(const std::string& text) {
  parts url;
  url.host = "untouched";
  auto error = parse_web_url(text, {"ws", "wss"}, url);
  BOOST_TEST(url.host == "untouched", text << " filled the url");
  return error;
}

void check_rejected(const std::string& text, const std::string& because) {
  auto error = ws_error(text);
  BOOST_TEST(error.find(because) != std::string::npos,
             text << ": '" << error << "' does not say '" << because << "'");
}

} // namespace

BOOST_AUTO_TEST_SUITE(web_url)

BOOST_AUTO_TEST_CASE(splits_ws_and_wss) {
  auto plain = ws("ws://relay.example:9000/ws?x=1");
  BOOST_TEST(plain.scheme == "ws");
  BOOST_TEST(!plain.tls);
  BOOST_TEST(plain.host == "relay.example");
  BOOST_TEST(plain.port == "9000");
  BOOST_TEST(plain.target == "/ws?x=1");
  auto secure = ws("WSS://Relay.Example/ws");
  BOOST_TEST(secure.scheme == "wss");
  BOOST_TEST(secure.tls);
  BOOST_TEST(secure.host == "Relay.Example"); // a host keeps its case; DNS ignores it
  BOOST_TEST(secure.port == "443");
  BOOST_TEST(ws("ws://h").port == "80");
}

BOOST_AUTO_TEST_CASE(http_schemes_only_when_asked) {
  parts url;
  BOOST_TEST(
      parse_web_url("https://h:8443/stats", {"http", "https", "ws", "wss"}, url).empty());
  BOOST_TEST(url.tls);
  BOOST_TEST(url.port == "8443");
  BOOST_TEST(url.target == "/stats");
  BOOST_TEST(parse_web_url("http://h", {"http"}, url).empty());
  BOOST_TEST(!url.tls);
  BOOST_TEST(url.port == "80");
  check_rejected("http://h", "is not a ws:// or wss:// URL");
  BOOST_TEST(parse_web_url("wss://h", {"ws"}, url) == "is not a ws:// URL");
  BOOST_TEST(parse_web_url("ftp://h", {"http", "https", "ws"}, url) ==
             "is not a http://, https:// or ws:// URL");
  for (std::string bad : {"h:80", "wss//h", "://h", "", "ws:/h"})
    check_rejected(bad, "is not a ws:// or wss:// URL");
}

BOOST_AUTO_TEST_CASE(ipv6_literals_need_brackets) {
  auto url = ws("ws://[::1]:9/x");
  BOOST_TEST(url.host == "::1");
  BOOST_TEST(url.port == "9");
  BOOST_TEST(ws("wss://[2001:db8::7]/").host == "2001:db8::7");
  BOOST_TEST(ws("ws://[::ffff:127.0.0.1]").port == "80");
  check_rejected("ws://::1/", "without brackets");
  check_rejected("ws://::1:80/", "without brackets");
  check_rejected("ws://[::1/", "no closing ']'");
  check_rejected("ws://[::1]8080/", "junk after ']'");
  check_rejected("ws://[]:80/", "no host");
  check_rejected("ws://[relay]:80/", "no IPv6 address");
  check_rejected("ws://re]lay/", "no host name");
  check_rejected("ws://re!ay/", "no host name");
  BOOST_TEST(ws("ws://relay-1.example_x~%41").host == "relay-1.example_x~%41");
}

BOOST_AUTO_TEST_CASE(ports) {
  BOOST_TEST(ws("ws://h:1").port == "1");
  BOOST_TEST(ws("ws://h:65535").port == "65535");
  BOOST_TEST(ws("ws://h:0080").port == "80"); // the decimal value, as Asio resolves it
  for (std::string bad : {"ws://h:0", "ws://h:65536", "ws://h:99999", "ws://h:123456",
                          "ws://h:x", "ws://h:8o", "ws://h:-1", "ws://h:", "ws://[::1]:"})
    check_rejected(bad, "bad port");
  BOOST_TEST(ws_error("ws://h:65536/") == "has a bad port '65536' (1 to 65535)");
}

BOOST_AUTO_TEST_CASE(no_host_user_info_or_spaces) {
  for (std::string bad : {"ws://", "ws:///p", "ws://:80/", "ws://?q", "ws://#f"})
    check_rejected(bad, "has no host");
  check_rejected("ws://u:p@h/", "user info");
  check_rejected("ws://u@h/", "user info");
  check_rejected("ws://a b", "space or control character");
  check_rejected("ws://h/a\tb", "space or control character");
  check_rejected(std::string("ws://h/\x01"), "space or control character");
}

BOOST_AUTO_TEST_CASE(targets_and_fragments) {
  BOOST_TEST(ws("ws://h").target == "/");
  BOOST_TEST(ws("ws://h/").target == "/");
  BOOST_TEST(ws("ws://h?x=1").target == "/?x=1");
  BOOST_TEST(ws("ws://h/a/b?c=d&e").target == "/a/b?c=d&e");
  BOOST_TEST(ws("ws://h/p#frag").target == "/p");
  BOOST_TEST(ws("wss://h:443/p?q#f").target == "/p?q");
  BOOST_TEST(ws("ws://h#f").target == "/");
  BOOST_TEST(ws("ws://h/a@b").target == "/a@b"); // '@' past the authority is a path
}

BOOST_AUTO_TEST_CASE(host_header_omits_the_default_port) {
  BOOST_TEST(ws("ws://h").host_header() == "h");
  BOOST_TEST(ws("ws://h:80").host_header() == "h");
  BOOST_TEST(ws("ws://h:443").host_header() == "h:443");
  BOOST_TEST(ws("wss://h:443").host_header() == "h");
  BOOST_TEST(ws("wss://h:80").host_header() == "h:80");
  BOOST_TEST(ws("ws://[::1]").host_header() == "[::1]");
  BOOST_TEST(ws("ws://[::1]:8080/ws").host_header() == "[::1]:8080");
  parts url;
  BOOST_TEST_REQUIRE(parse_web_url("https://h:443/", {"https"}, url).empty());
  BOOST_TEST(url.host_header() == "h");
}

BOOST_AUTO_TEST_CASE(host_port_and_text_always_show_the_port) {
  BOOST_TEST(ws("ws://h").host_port() == "h:80");
  BOOST_TEST(ws("wss://[::1]/x?y").host_port() == "[::1]:443");
  BOOST_TEST(ws("wss://[::1]/x?y#z").text() == "wss://[::1]:443/x?y");
  BOOST_TEST(ws("WS://H:9000").text() == "ws://H:9000/");
}

BOOST_AUTO_TEST_CASE(sni_only_for_names) {
  BOOST_TEST(wants_sni("relay.example"));
  BOOST_TEST(wants_sni("localhost"));
  BOOST_TEST(wants_sni("orchestrator"));
  BOOST_TEST(wants_sni("1.2.3.4.example")); // a name that starts like an address
  BOOST_TEST(!wants_sni("127.0.0.1"));
  BOOST_TEST(!wants_sni("10.1.2.3"));
  BOOST_TEST(!wants_sni("::1"));
  BOOST_TEST(!wants_sni("2001:db8::7"));
  BOOST_TEST(!wants_sni("::ffff:127.0.0.1"));
  BOOST_TEST(!wants_sni(""));
  // What the parser hands on for a bracketed literal is the bare address.
  BOOST_TEST(!wants_sni(ws("wss://[::1]:8443/ws").host));
  BOOST_TEST(wants_sni(ws("wss://relay.example/ws").host));
}

BOOST_AUTO_TEST_SUITE_END()
