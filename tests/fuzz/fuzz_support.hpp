#pragma once
// Shared by the libFuzzer targets in this folder: an independent view of the input, built
// by Boost.JSON itself, for the targets to compare the decoders against.
//
// Boost.JSON's value keeps only the last of duplicated keys; the decoders find
// duplicates with their own byte scanner (protocol/json_scan.cpp). list_keys() runs
// Boost.JSON's basic_parser with a handler that records every key of the top-level
// object (or of each object element of a top-level array) as Boost.JSON decoded it, so a
// disagreement between the two key decoders ("run\u005fid", surrogate pairs, "\u0000")
// shows up as an invariant violation.
#include "protocol/limits.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

namespace json = boost::json;

// Stops the process so that libFuzzer records the input as a crash. A macro, so the
// failing line is in the stack trace.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond))                                                                         \
      __builtin_trap();                                                                  \
  } while (false)

inline json::parse_options relay_parse_options() {
  json::parse_options options;
  options.max_depth = runrelay::protocol::max_json_depth;
  return options;
}

// The input as json::parse sees it, with the relay's options; nullopt if it is rejected.
inline std::optional<json::value> parse_relay(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec, {},
                              relay_parse_options());
  if (ec)
    return std::nullopt;
  return v;
}

// Any JSON text the relay writes or forwards (no depth limit: the relay's own envelopes
// add levels around forwarded values).
inline std::optional<json::value> parse_any(std::string_view text) {
  json::error_code ec;
  json::parse_options options;
  options.max_depth = 100000;
  json::value v =
      json::parse(json::string_view(text.data(), text.size()), ec, {}, options);
  if (ec)
    return std::nullopt;
  return v;
}

inline bool same_value(const json::value& a, const json::value& b);

inline bool same_object(const json::object& a, const json::object& b) {
  if (a.size() != b.size())
    return false;
  for (const json::key_value_pair& member : a) {
    const json::value* other = b.if_contains(member.key());
    if (other == nullptr || !same_value(member.value(), *other))
      return false;
  }
  return true;
}

// Two doubles that Boost.JSON parsed from the same number text. Boost.JSON 1.81's
// number parsing is imprecise, and its result depends on where the text sits in the
// buffer: "-12.1234555555555555555555555E+3" alone gives -1.2123455555555556E4, inside
// {"data":{...}} -1.2123455555555554E4; "0e309" gives NaN. The relay forwards numbers as
// raw text, so only a real difference in value counts here.
inline bool same_double(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  if (a == b)
    return true;
  const double big = std::max(std::fabs(a), std::fabs(b));
  if (big < 1e-300) // underflow in one context only
    return true;
  if (std::isinf(big)) // overflow in one context only: both must be out at the edge
    return std::signbit(a) == std::signbit(b) && std::fabs(a) > 1e300 &&
           std::fabs(b) > 1e300;
  return std::fabs(a - b) <= 1e-9 * big;
}

// json::value's operator==, with doubles compared by same_double.
inline bool same_value(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double())
    return same_double(a.get_double(), b.get_double());
  if (a.is_array() && b.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size())
      return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same_value(x[i], y[i]))
        return false;
    return true;
  }
  if (a.is_object() && b.is_object())
    return same_object(a.get_object(), b.get_object());
  return a == b;
}

inline bool same_value(const json::value& a, const json::object& b) {
  return a.is_object() && same_object(a.get_object(), b);
}

// Keys (decoded by Boost.JSON, duplicates included, in input order) of each object at
// the top level or directly inside a top-level array, in input order.
struct key_lists {
  bool valid = false; // the whole input parsed
  std::vector<std::vector<std::string>> objects;
};

namespace detail {

struct key_handler {
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  struct open_container {
    bool object;
    std::vector<std::string> keys;
  };
  std::vector<open_container> stack;
  std::string key;
  key_lists result;

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) {
    stack.push_back({false, {}});
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    stack.pop_back();
    return true;
  }
  bool on_object_begin(json::error_code&) {
    stack.push_back({true, {}});
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    open_container done = std::move(stack.back());
    stack.pop_back();
    if (stack.empty() || (stack.size() == 1 && !stack.front().object))
      result.objects.push_back(std::move(done.keys));
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key.append(s.data(), s.size());
    stack.back().keys.push_back(std::move(key));
    key.clear();
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

} // namespace detail

inline key_lists list_keys(std::string_view text) {
  json::basic_parser<detail::key_handler> parser(relay_parse_options());
  json::error_code ec;
  std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
  key_lists out = std::move(parser.handler().result);
  out.valid = !ec && n == text.size();
  if (!out.valid)
    out.objects.clear();
  return out;
}

inline std::size_t count_key(const std::vector<std::string>& keys, std::string_view key) {
  return static_cast<std::size_t>(std::count(keys.begin(), keys.end(), key));
}

inline bool is_substring(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

inline bool is_json_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline std::string_view trim_ws(std::string_view t) {
  while (!t.empty() && is_json_ws(t.front()))
    t.remove_prefix(1);
  while (!t.empty() && is_json_ws(t.back()))
    t.remove_suffix(1);
  return t;
}

// A string value of 1 to 256 bytes (protocol/limits.hpp), as Boost.JSON decoded it.
inline bool is_id(const json::value* v) {
  return v != nullptr && v->is_string() && !v->get_string().empty() &&
         v->get_string().size() <= runrelay::protocol::max_id_bytes;
}

inline std::string to_std(const json::string& s) {
  return std::string(s.data(), s.size());
}

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
inline bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size())
      return false;
    for (std::size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80)
        return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

} // namespace fuzz
