#pragma once
// Byte-level views into JSON text (and two small writing helpers) that Boost.JSON has
// already accepted. Boost.JSON gives typed values but neither the original bytes of a
// value nor duplicate keys (the last one silently wins); these helpers give both, so
// values can be forwarded verbatim and ambiguous objects rejected. Private to protocol/.
//
// Every function assumes `text` is valid JSON (already validated); on anything else it
// stops early without reading out of bounds, and the result is incomplete, never UB.
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace runrelay::protocol::detail {

// `text` without leading and trailing JSON whitespace (space, tab, LF, CR).
std::string_view trim_json_ws(std::string_view text);

// The exact bytes of each element of the array `array_text` ('[' ... ']', no surrounding
// whitespace), in order, without the whitespace around them.
std::vector<std::string_view> scan_array_elements(std::string_view array_text);

struct json_member {
  std::string key;        // decoded (escapes resolved)
  std::string_view value; // exact bytes of the value, no surrounding whitespace
};

// The members of the object `object_text` ('{' ... '}', no surrounding whitespace), in
// order of appearance, duplicates included.
std::vector<json_member> scan_object_members(std::string_view object_text);

// The value of hex digit `c`, or -1.
int hex_value(char c);

// Appends `text` as a JSON string literal (quotes included): '"' and '\\' escaped,
// control characters as \b \f \n \r \t or \u00xx, every other byte as is (the same output
// as boost::json::serialize of a string, without the temporary).
void append_json_quoted(std::string& out, std::string_view text);

// Appends the decimal digits of `n`, without allocating.
void append_uint(std::string& out, unsigned long long n);

// Decodes the contents of a JSON string literal, without its quotes (escapes resolved,
// \uXXXX surrogate pairs joined, a lone surrogate becomes U+FFFD).
std::string decode_json_string(std::string_view body);

// Parses `text` with the relay's depth limit (limits.hpp) into `storage`. On failure
// returns a null value and sets `error` to the reason ("invalid JSON: ...").
boost::json::value parse_limited(std::string_view text, boost::json::storage_ptr storage,
                                 std::string& error);

} // namespace runrelay::protocol::detail
