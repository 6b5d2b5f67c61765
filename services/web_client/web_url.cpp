#include "services/web_client/web_url.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace runrelay::web_client {
namespace {

constexpr std::size_t max_port_digits = 5;
constexpr unsigned long max_port = 65535;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string schemes_text(std::initializer_list<std::string_view> schemes) {
  std::string out;
  std::size_t i = 0;
  for (auto scheme : schemes) {
    if (i > 0)
      out += i + 1 == schemes.size() ? " or " : ", ";
    out += std::string(scheme) + "://";
    ++i;
  }
  return out;
}

bool is_ipv6_text(std::string_view host) {
  return host.find(':') != std::string_view::npos &&
         std::all_of(host.begin(), host.end(), [](unsigned char c) {
           return std::isxdigit(c) || c == ':' || c == '.';
         });
}

// What a DNS name or an IPv4 address is written with (RFC 3986's unreserved and
// percent-encoding); the sub-delimiters it also allows name no host Asio can resolve.
bool is_name_char(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
}

// "" or why `port` (the text after the authority's ':') is no TCP port.
std::string check_port(std::string_view port) {
  bool digits = !port.empty() && port.size() <= max_port_digits &&
                port.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits) {
    auto n = std::stoul(std::string(port));
    if (n >= 1 && n <= max_port)
      return {};
  }
  return "has a bad port '" + std::string(port) + "' (1 to 65535)";
}

struct host_and_port {
  std::string_view host;
  std::optional<std::string_view> port; // the text after ':', when there is one
};

// Splits HOST[:PORT] or [V6]:PORT; returns "" or what is wrong.
std::string split_authority(std::string_view authority, host_and_port& out) {
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      return "has no closing ']'";
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':')
      return "has junk after ']'";
    if (!after.empty())
      out.port = after.substr(1);
    if (!out.host.empty() && !is_ipv6_text(out.host))
      return "has '[" + std::string(out.host) + "]', which is no IPv6 address";
    return {};
  }
  auto colon = authority.find(':');
  if (colon != authority.rfind(':'))
    return "has an IPv6 address without brackets (write [::1])";
  out.host = authority.substr(0, colon);
  if (colon != std::string_view::npos)
    out.port = authority.substr(colon + 1);
  if (!std::all_of(out.host.begin(), out.host.end(), is_name_char))
    return "has '" + std::string(out.host) + "', which is no host name";
  return {};
}

} // namespace

std::string default_port(std::string_view scheme) {
  return scheme == "wss" || scheme == "https" ? "443" : "80";
}

std::string web_url::host_header() const {
  auto with_port = host_port();
  return port == default_port(scheme)
             ? with_port.substr(0, with_port.size() - port.size() - 1)
             : with_port;
}

std::string web_url::host_port() const {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + port;
}

std::string web_url::text() const {
  return scheme + "://" + host_port() + target;
}

std::string parse_web_url(std::string_view text,
                          std::initializer_list<std::string_view> schemes, web_url& out) {
  auto sep = text.find("://");
  auto scheme = lower(text.substr(0, sep));
  if (sep == std::string_view::npos ||
      std::find(schemes.begin(), schemes.end(), scheme) == schemes.end())
    return "is not a " + schemes_text(schemes) + " URL";
  if (std::any_of(text.begin(), text.end(),
                  [](unsigned char c) { return std::iscntrl(c) || c == ' '; }))
    return "contains a space or control character";
  auto rest = text.substr(sep + 3);
  auto end = std::min(rest.find_first_of("/?#"), rest.size());
  auto authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos)
    return "has user info (user@), which a WebSocket or HTTP URL here may not have";
  host_and_port split;
  if (auto error = split_authority(authority, split); !error.empty())
    return error;
  if (split.host.empty())
    return "has no host";
  if (split.port)
    if (auto error = check_port(*split.port); !error.empty())
      return error;
  auto target = rest.substr(end);
  target = target.substr(0, target.find('#'));
  web_url url;
  url.scheme = scheme;
  url.tls = scheme == "wss" || scheme == "https";
  url.host = std::string(split.host);
  url.port = split.port ? std::to_string(std::stoul(std::string(*split.port)))
                        : default_port(scheme);
  url.target = (target.empty() || target.front() != '/' ? "/" : "") + std::string(target);
  out = std::move(url);
  return {};
}

} // namespace runrelay::web_client
