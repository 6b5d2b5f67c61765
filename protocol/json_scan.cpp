// Byte spans of already-validated JSON text. See json_scan.hpp.
//
// Decisions:
// - Whitespace is exactly JSON's: space, tab, LF, CR (the set Boost.JSON accepts).
// - Scanning is iterative (a depth counter, no recursion), so no input can exhaust the
//   stack here; depth is bounded earlier by Boost.JSON's max_depth anyway.
// - Every loop checks the end of the text, so malformed input (a caller's bug) yields an
//   incomplete result, never an out-of-bounds read.
#include "protocol/json_scan.hpp"

#include "protocol/limits.hpp"
#include <boost/json/parse.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>

namespace runrelay::protocol::detail {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

namespace {

bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_ws(std::string_view t, std::size_t p) {
  while (p < t.size() && is_ws(t[p]))
    ++p;
  return p;
}

// `p` is at an opening quote; returns the position just past the closing quote.
std::size_t skip_string(std::string_view t, std::size_t p) {
  ++p;
  while (p < t.size()) {
    char c = t[p];
    if (c == '\\')
      p += 2;
    else if (c == '"')
      return p + 1;
    else
      ++p;
  }
  return t.size();
}

// `p` is at the first byte of a value; returns the position just past its last byte.
std::size_t skip_value(std::string_view t, std::size_t p) {
  if (p >= t.size())
    return t.size();
  char c = t[p];
  if (c == '"')
    return skip_string(t, p);
  if (c == '{' || c == '[') {
    std::size_t depth = 0;
    while (p < t.size()) {
      c = t[p];
      if (c == '"') {
        p = skip_string(t, p);
        continue;
      }
      if (c == '{' || c == '[')
        ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0)
          return p + 1;
      }
      ++p;
    }
    return t.size();
  }
  // number, true, false, null
  while (p < t.size() && !is_ws(t[p]) && t[p] != ',' && t[p] != ']' && t[p] != '}')
    ++p;
  return p;
}

// Reads 4 hex digits at body[p..p+4); -1 if there are not 4 valid ones.
long read_hex4(std::string_view body, std::size_t p) {
  if (p + 4 > body.size())
    return -1;
  long v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    int h = hex_value(body[p + i]);
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  return v;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

} // namespace

std::string_view trim_json_ws(std::string_view text) {
  std::size_t b = skip_ws(text, 0);
  std::size_t e = text.size();
  while (e > b && is_ws(text[e - 1]))
    --e;
  return text.substr(b, e - b);
}

std::vector<std::string_view> scan_array_elements(std::string_view t) {
  std::vector<std::string_view> out;
  if (t.empty() || t[0] != '[')
    return out;
  std::size_t p = skip_ws(t, 1);
  while (p < t.size() && t[p] != ']') {
    std::size_t end = skip_value(t, p);
    if (end == p)
      break; // not valid JSON: stop rather than loop
    out.push_back(t.substr(p, end - p));
    p = skip_ws(t, end);
    if (p < t.size() && t[p] == ',')
      p = skip_ws(t, p + 1);
  }
  return out;
}

std::vector<json_member> scan_object_members(std::string_view t) {
  std::vector<json_member> out;
  if (t.empty() || t[0] != '{')
    return out;
  std::size_t p = skip_ws(t, 1);
  while (p < t.size() && t[p] == '"') {
    std::size_t key_end = skip_string(t, p);
    if (key_end < p + 2)
      break;
    std::string_view body = t.substr(p + 1, key_end - p - 2);
    p = skip_ws(t, key_end);
    if (p >= t.size() || t[p] != ':')
      break;
    p = skip_ws(t, p + 1);
    std::size_t end = skip_value(t, p);
    if (end == p)
      break;
    json_member m;
    if (body.find('\\') == std::string_view::npos)
      m.key.assign(body.data(), body.size());
    else
      m.key = decode_json_string(body);
    m.value = t.substr(p, end - p);
    out.push_back(std::move(m));
    p = skip_ws(t, end);
    if (p < t.size() && t[p] == ',')
      p = skip_ws(t, p + 1);
  }
  return out;
}

std::string decode_json_string(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t p = 0; p < body.size();) {
    char c = body[p];
    if (c != '\\' || p + 1 >= body.size()) {
      out += c;
      ++p;
      continue;
    }
    char e = body[p + 1];
    p += 2;
    switch (e) {
    case 'b':
      out += '\b';
      break;
    case 'f':
      out += '\f';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 't':
      out += '\t';
      break;
    case 'u': {
      long hi = read_hex4(body, p);
      if (hi < 0) {
        append_utf8(out, 0xFFFD);
        break;
      }
      p += 4;
      uint32_t cp = static_cast<uint32_t>(hi);
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = -1;
        if (p + 6 <= body.size() && body[p] == '\\' && body[p + 1] == 'u')
          lo = read_hex4(body, p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
          p += 6;
        } else {
          cp = 0xFFFD;
        }
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
      }
      append_utf8(out, cp);
      break;
    }
    default:
      out += e;
      break; // '"', '\\', '/'
    }
  }
  return out;
}

void append_json_quoted(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0; // start of the pending run of bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void append_uint(std::string& out, unsigned long long n) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, res.ptr);
}

boost::json::value parse_limited(std::string_view text, boost::json::storage_ptr storage,
                                 std::string& error) {
  boost::json::parse_options options;
  options.max_depth = max_json_depth;
  boost::json::error_code ec;
  auto value = boost::json::parse(boost::json::string_view(text.data(), text.size()), ec,
                                  std::move(storage), options);
  if (ec == boost::json::error::too_deep)
    error =
        "invalid JSON: nested deeper than " + std::to_string(max_json_depth) + " levels";
  else if (ec)
    error = "invalid JSON: " + ec.message();
  return ec ? boost::json::value() : value;
}

} // namespace runrelay::protocol::detail
