#pragma once
// Client frames as tests build them, and helpers that read them with a frame_reader
// (protocol/websocket_codec.hpp), shared by the websocket_*_test.cpp suites.
#include "protocol/websocket_codec.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace websocket_test {

using namespace runrelay::protocol::websocket;

using kind = read_result::kind;

inline const char* kind_name(kind k) {
  switch (k) {
  case kind::nothing:
    return "nothing";
  case kind::message:
    return "message";
  case kind::ping:
    return "ping";
  case kind::pong:
    return "pong";
  case kind::close:
    return "close";
  case kind::violation:
    return "violation";
  }
  return "?";
}

inline std::string bytes_of(std::initializer_list<int> list) {
  std::string s;
  for (int b : list)
    s += static_cast<char>(b);
  return s;
}

// A client frame as a test wants it: masked with `mask` unless `masked` is false, its
// length in the shortest form unless `length_form` forces 126 (16 bits) or 127 (64 bits).
struct client_frame {
  uint8_t op = 0x1;
  std::string payload;
  bool fin = true;
  bool masked = true;
  std::array<uint8_t, 4> mask{0x37, 0xFA, 0x21, 0x3D};
  int length_form = 0;
  uint8_t rsv = 0; // bits 0x70 of the first byte

  std::string bytes() const {
    std::string out;
    out += static_cast<char>((fin ? 0x80 : 0) | (rsv & 0x70) | (op & 0x0F));
    const uint64_t n = payload.size();
    const int form = length_form != 0 ? length_form
                     : n < 126        ? 0
                     : n <= 0xFFFF    ? 126
                                      : 127;
    const int mask_bit = masked ? 0x80 : 0;
    if (form == 0) {
      out += static_cast<char>(mask_bit | static_cast<int>(n));
    } else if (form == 126) {
      out += static_cast<char>(mask_bit | 126);
      out += static_cast<char>((n >> 8) & 0xFF);
      out += static_cast<char>(n & 0xFF);
    } else {
      out += static_cast<char>(mask_bit | 127);
      for (int i = 0; i < 8; ++i)
        out += static_cast<char>((n >> (56 - 8 * i)) & 0xFF);
    }
    if (masked)
      for (uint8_t m : mask)
        out += static_cast<char>(m);
    for (std::size_t i = 0; i < payload.size(); ++i)
      out += static_cast<char>(static_cast<uint8_t>(payload[i]) ^
                               (masked ? mask[i & 3] : 0));
    return out;
  }
};

inline std::string frame(uint8_t op, std::string payload, bool fin = true) {
  client_frame f;
  f.op = op;
  f.payload = std::move(payload);
  f.fin = fin;
  return f.bytes();
}

inline std::string text(std::string payload, bool fin = true) {
  return frame(0x1, std::move(payload), fin);
}
inline std::string continuation(std::string payload, bool fin = true) {
  return frame(0x0, std::move(payload), fin);
}

// Feeds `bytes` whole, again after each result, until they are used up or the client
// closes or breaks the protocol; every result but a final "nothing" is kept.
inline std::vector<read_result> read_all(frame_reader& reader, std::string_view bytes) {
  std::vector<read_result> results;
  while (!bytes.empty()) {
    read_result r;
    const std::size_t used = reader.feed(bytes, r);
    BOOST_REQUIRE(used <= bytes.size());
    bytes.remove_prefix(used);
    if (r.what == kind::nothing) {
      BOOST_TEST(bytes.empty()); // "nothing" means every byte was taken
      break;
    }
    results.push_back(std::move(r));
    if (results.back().what == kind::violation || results.back().what == kind::close)
      break;
  }
  return results;
}

// The single result of reading `bytes` with a fresh reader.
inline read_result read_one(std::string_view bytes, std::size_t max = 1 << 20) {
  frame_reader reader(max);
  read_result r;
  const std::size_t used = reader.feed(bytes, r);
  BOOST_TEST(used <= bytes.size());
  return r;
}

inline void check(const read_result& r, kind what, uint16_t code, std::string_view text) {
  BOOST_TEST(kind_name(r.what) == kind_name(what));
  BOOST_TEST(r.code == code);
  BOOST_TEST(r.text == text);
}

inline void check_violation(const read_result& r, uint16_t code) {
  BOOST_TEST(kind_name(r.what) == kind_name(kind::violation));
  BOOST_TEST(r.code == code);
  BOOST_TEST(!r.text.empty());
}

} // namespace websocket_test
