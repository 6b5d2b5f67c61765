// RFC 6455, server side: the handshake's accept key, the relay's frame headers, close
// payloads and codes, UTF-8 validation and the incremental reader of client frames.
#include "protocol/websocket_codec.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace runrelay::protocol::websocket;

namespace {

using kind = read_result::kind;

const char* kind_name(kind k) {
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

std::string bytes_of(std::initializer_list<int> list) {
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

std::string frame(uint8_t op, std::string payload, bool fin = true) {
  client_frame f;
  f.op = op;
  f.payload = std::move(payload);
  f.fin = fin;
  return f.bytes();
}

std::string text(std::string payload, bool fin = true) {
  return frame(0x1, std::move(payload), fin);
}
std::string continuation(std::string payload, bool fin = true) {
  return frame(0x0, std::move(payload), fin);
}

// Feeds `bytes` whole, again after each result, until they are used up or the client
// closes or breaks the protocol; every result but a final "nothing" is kept.
std::vector<read_result> read_all(frame_reader& reader, std::string_view bytes) {
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
read_result read_one(std::string_view bytes, std::size_t max = 1 << 20) {
  frame_reader reader(max);
  read_result r;
  const std::size_t used = reader.feed(bytes, r);
  BOOST_TEST(used <= bytes.size());
  return r;
}

void check(const read_result& r, kind what, uint16_t code, std::string_view text) {
  BOOST_TEST(kind_name(r.what) == kind_name(what));
  BOOST_TEST(r.code == code);
  BOOST_TEST(r.text == text);
}

void check_violation(const read_result& r, uint16_t code) {
  BOOST_TEST(kind_name(r.what) == kind_name(kind::violation));
  BOOST_TEST(r.code == code);
  BOOST_TEST(!r.text.empty());
}

std::string header_bytes(const frame_header& h) {
  return std::string(h.view());
}

} // namespace

BOOST_AUTO_TEST_SUITE(websocket_codec)

BOOST_AUTO_TEST_CASE(accept_key_of_rfc_example) {
  BOOST_TEST(accept_key("dGhlIHNhbXBsZSBub25jZQ==").value_or("none") ==
             "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  BOOST_TEST(accept_key("x3JJHMbDL1EzLkh9GBhXDw==").value_or("none") ==
             "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
  BOOST_TEST(accept_key("AAAAAAAAAAAAAAAAAAAAAA==").value_or("none") ==
             "ICX+Yqv66kxgM0FcWaLWlFLwTAI=");
}

BOOST_AUTO_TEST_CASE(accept_key_refuses_other_keys) {
  for (std::string_view bad : {
           "",
           "dGhlIHNhbXBsZSBub25jZQ=",      // 23 characters
           "dGhlIHNhbXBsZSBub25jZQ===",    // 25
           "dGhlIHNhbXBsZSBub25jZQ",       // no padding
           "dGhlIHNhbXBsZSBub25jZQAA",     // 24, no "=="
           "dGhlIHNhbXBsZSBub25jZQ=A",     // padding in the wrong place
           "dGhlIHNhbXBsZSBub25j*Q==",     // not base64
           "dGhlIHNhbXBsZSBub25jZ-==",     // base64url, not base64
           "dGhlIHNhbXBs ZSBub25jZQ==",    // space
           "dGhlIHNhbXBsZSBub25jZQ==\r\n", // trailing bytes
           "==dGhlIHNhbXBsZSBub25jZQ",
       }) {
    BOOST_TEST(!accept_key(bad).has_value(), "accepted " << bad);
  }
  BOOST_TEST(!accept_key(std::string_view("dGhlIHNhbXBsZSBub25jZ\0==", 24)).has_value());
}

BOOST_AUTO_TEST_CASE(make_header_sizes) {
  BOOST_TEST(header_bytes(make_header(opcode::text, 0)) == bytes_of({0x81, 0x00}));
  BOOST_TEST(header_bytes(make_header(opcode::text, 125)) == bytes_of({0x81, 0x7D}));
  BOOST_TEST(header_bytes(make_header(opcode::text, 126)) ==
             bytes_of({0x81, 0x7E, 0x00, 0x7E}));
  BOOST_TEST(header_bytes(make_header(opcode::text, 65535)) ==
             bytes_of({0x81, 0x7E, 0xFF, 0xFF}));
  BOOST_TEST(header_bytes(make_header(opcode::text, 65536)) ==
             bytes_of({0x81, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
  BOOST_TEST(header_bytes(make_header(opcode::text, std::size_t{0x0102030405})) ==
             bytes_of({0x81, 0x7F, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05}));
  BOOST_TEST(make_header(opcode::text, 0).size == 2u);
  BOOST_TEST(make_header(opcode::text, 125).size == 2u);
  BOOST_TEST(make_header(opcode::text, 126).size == 4u);
  BOOST_TEST(make_header(opcode::text, 65535).size == 4u);
  BOOST_TEST(make_header(opcode::text, 65536).size == 10u);
  BOOST_TEST(make_header(opcode::text, std::size_t{0x0102030405}).size == 10u);
}

BOOST_AUTO_TEST_CASE(make_header_opcodes) {
  BOOST_TEST(header_bytes(make_header(opcode::ping, 4)) == bytes_of({0x89, 0x04}));
  BOOST_TEST(header_bytes(make_header(opcode::pong, 0)) == bytes_of({0x8A, 0x00}));
  BOOST_TEST(header_bytes(make_header(opcode::close, 2)) == bytes_of({0x88, 0x02}));
  BOOST_TEST(header_bytes(make_header(opcode::close, 125)) == bytes_of({0x88, 0x7D}));
  BOOST_TEST(header_bytes(make_header(opcode::text, 300)) ==
             bytes_of({0x81, 0x7E, 0x01, 0x2C}));
}

BOOST_AUTO_TEST_CASE(close_payload_code_and_reason) {
  BOOST_TEST(close_payload(1000, "") == bytes_of({0x03, 0xE8}));
  BOOST_TEST(close_payload(1009, "too big") == bytes_of({0x03, 0xF1}) + "too big");
  BOOST_TEST(close_payload(4999, "x") == bytes_of({0x13, 0x87}) + "x");
  const std::string exact(123, 'r');
  BOOST_TEST(close_payload(1002, exact) == bytes_of({0x03, 0xEA}) + exact);
  BOOST_TEST(close_payload(1002, std::string(200, 'r')) ==
             bytes_of({0x03, 0xEA}) + std::string(123, 'r'));
}

BOOST_AUTO_TEST_CASE(close_payload_cuts_between_utf8_sequences) {
  // 2-byte characters: byte 123 is a continuation byte, so the cut moves back to 122.
  std::string two;
  for (int i = 0; i < 100; ++i)
    two += "\xC3\xA9"; // é
  std::string p = close_payload(1000, two);
  BOOST_TEST(p.size() == 2u + 122u);
  BOOST_TEST(p.substr(2) == two.substr(0, 122));
  utf8_validator v;
  BOOST_TEST(v.feed(p.substr(2)));
  BOOST_TEST(v.complete());

  // 3-byte characters: 123 is a multiple of 3, nothing to move.
  std::string three;
  for (int i = 0; i < 50; ++i)
    three += "\xE2\x82\xAC"; // €
  p = close_payload(1000, three);
  BOOST_TEST(p.substr(2) == three.substr(0, 123));

  // 4-byte characters: the cut goes back to 120.
  std::string four;
  for (int i = 0; i < 40; ++i)
    four += "\xF0\x9F\x98\x80";
  p = close_payload(1000, four);
  BOOST_TEST(p.substr(2) == four.substr(0, 120));

  // One ASCII byte first: 2-byte characters start at odd offsets, byte 123 is a lead
  // byte and the reason keeps 123 bytes.
  p = close_payload(1000, "a" + two);
  BOOST_TEST(p.substr(2) == ("a" + two).substr(0, 123));
}

BOOST_AUTO_TEST_CASE(valid_close_codes) {
  for (uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                        1014, 3000, 3999, 4000, 4999})
    BOOST_TEST(is_valid_close_code(code), code);
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535})
    BOOST_TEST(!is_valid_close_code(code), code);
}

BOOST_AUTO_TEST_CASE(utf8_valid_sequences) {
  const std::string valid[] = {
      "",
      "plain ASCII \x01\x7F",
      "\xC2\x80\xDF\xBF",                     // U+0080, U+07FF
      "\xE0\xA0\x80\xE2\x82\xAC\xED\x9F\xBF", // U+0800, €, U+D7FF
      "\xEE\x80\x80\xEF\xBF\xBF",             // U+E000, U+FFFF
      "\xF0\x90\x80\x80\xF0\x9F\x98\x80",     // U+10000, 😀
      "\xF4\x8F\xBF\xBF",                     // U+10FFFF
      "mixed \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 end",
  };
  for (const std::string& s : valid) {
    utf8_validator whole;
    BOOST_TEST(whole.feed(s));
    BOOST_TEST(whole.complete());
    utf8_validator split;
    for (std::size_t i = 0; i < s.size(); ++i)
      BOOST_TEST(split.feed(s.substr(i, 1)));
    BOOST_TEST(split.complete());
  }
  // Open sequences are complete() only once their last byte arrives.
  utf8_validator v;
  BOOST_TEST(v.feed("\xF0"));
  BOOST_TEST(!v.complete());
  BOOST_TEST(v.feed("\x9F\x98"));
  BOOST_TEST(!v.complete());
  BOOST_TEST(v.feed("\x80"));
  BOOST_TEST(v.complete());
}

BOOST_AUTO_TEST_CASE(utf8_invalid_sequences) {
  const std::string invalid[] = {
      "\xC0\x80",         // overlong NUL
      "\xC1\xBF",         // overlong
      "\xE0\x80\x80",     // overlong
      "\xE0\x9F\xBF",     // overlong
      "\xF0\x80\x80\x80", // overlong
      "\xF0\x8F\xBF\xBF", // overlong
      "\xED\xA0\x80",     // U+D800
      "\xED\xBF\xBF",     // U+DFFF
      "\xF4\x90\x80\x80", // U+110000
      "\x80",             // lone continuation
      "a\xBF",            // lone continuation
      "\xC3\xA9\x80",     // continuation after a complete sequence
      "\xF5\x80\x80\x80", // F5 and above never appear
      "\xF8",
      "\xFE",
      "\xFF",
      "\xC3"
      "a", // lead byte then ASCII
      "\xE2\x82"
      "a",
  };
  for (const std::string& s : invalid) {
    utf8_validator whole;
    BOOST_TEST(!whole.feed(s));
    utf8_validator split;
    bool ok = true;
    for (std::size_t i = 0; i < s.size() && ok; ++i)
      ok = split.feed(s.substr(i, 1));
    BOOST_TEST(!ok);
  }
  for (std::string truncated : {"\xC3", "\xE2\x82", "\xF0\x9F\x98", "ab\xE2"}) {
    utf8_validator v;
    BOOST_TEST(v.feed(truncated));
    BOOST_TEST(!v.complete());
  }
  utf8_validator v;
  BOOST_TEST(v.feed("\xE2"));
  v.reset();
  BOOST_TEST(v.complete());
  BOOST_TEST(v.feed("a"));
}

BOOST_AUTO_TEST_CASE(reads_a_text_message) {
  frame_reader reader(1024);
  BOOST_TEST(!reader.in_progress());
  const std::string bytes = text("Hello");
  read_result r;
  BOOST_TEST(reader.feed(bytes, r) == bytes.size());
  check(r, kind::message, 0, "Hello");
  BOOST_TEST(!reader.in_progress());

  // RFC 6455 section 5.7: a single-frame masked text message.
  const std::string rfc =
      bytes_of({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  BOOST_TEST(reader.feed(rfc, r) == rfc.size());
  check(r, kind::message, 0, "Hello");

  // An empty text message.
  const std::string empty = text("");
  BOOST_TEST(reader.feed(empty, r) == empty.size());
  check(r, kind::message, 0, "");

  // Nothing to read.
  BOOST_TEST(reader.feed("", r) == 0u);
  BOOST_TEST(kind_name(r.what) == kind_name(kind::nothing));
}

BOOST_AUTO_TEST_CASE(reads_byte_by_byte) {
  client_frame f;
  f.payload = "byte by byte, with a longer payload: \xE2\x82\xAC";
  const std::string bytes = f.bytes();
  frame_reader reader(1024);
  std::size_t total = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    read_result r;
    const std::size_t used = reader.feed(std::string_view(bytes).substr(i, 1), r);
    BOOST_TEST(used == 1u);
    total += used;
    if (i + 1 < bytes.size()) {
      BOOST_TEST(kind_name(r.what) == kind_name(kind::nothing));
      BOOST_TEST(reader.in_progress());
    } else {
      check(r, kind::message, 0, f.payload);
      BOOST_TEST(!reader.in_progress());
    }
  }
  BOOST_TEST(total == bytes.size());
}

BOOST_AUTO_TEST_CASE(reads_two_messages_from_one_buffer) {
  const std::string first = text("first");
  const std::string second = text("second message");
  const std::string bytes = first + second;
  frame_reader reader(1024);
  read_result r;
  BOOST_TEST(reader.feed(bytes, r) == first.size());
  check(r, kind::message, 0, "first");
  BOOST_TEST(!reader.in_progress());
  BOOST_TEST(reader.feed(std::string_view(bytes).substr(first.size()), r) ==
             second.size());
  check(r, kind::message, 0, "second message");
  BOOST_TEST(reader.feed("", r) == 0u);
  BOOST_TEST(kind_name(r.what) == kind_name(kind::nothing));
}

BOOST_AUTO_TEST_CASE(reads_a_fragmented_message_with_a_ping_between) {
  const std::string f1 = text("Hel", false);
  const std::string ping = frame(0x9, "p1");
  const std::string f2 = continuation("lo, ", false);
  const std::string pong = frame(0xA, "");
  const std::string f3 = continuation("world");
  const std::string bytes = f1 + ping + f2 + pong + f3;

  frame_reader reader(1024);
  read_result r;
  std::string_view rest = bytes;
  std::size_t used = reader.feed(rest, r);
  BOOST_TEST(used == f1.size() + ping.size());
  check(r, kind::ping, 0, "p1");
  BOOST_TEST(reader.in_progress()); // the message is still open
  rest.remove_prefix(used);
  used = reader.feed(rest, r);
  BOOST_TEST(used == f2.size() + pong.size());
  check(r, kind::pong, 0, "");
  BOOST_TEST(reader.in_progress());
  rest.remove_prefix(used);
  used = reader.feed(rest, r);
  BOOST_TEST(used == f3.size());
  check(r, kind::message, 0, "Hello, world");
  BOOST_TEST(!reader.in_progress());

  // Byte by byte, the same results in the same order.
  frame_reader slow(1024);
  std::vector<read_result> results;
  for (char c : bytes) {
    read_result one;
    BOOST_TEST(slow.feed(std::string_view(&c, 1), one) == 1u);
    if (one.what != kind::nothing)
      results.push_back(one);
  }
  BOOST_REQUIRE(results.size() == 3u);
  check(results[0], kind::ping, 0, "p1");
  check(results[1], kind::pong, 0, "");
  check(results[2], kind::message, 0, "Hello, world");
}

BOOST_AUTO_TEST_CASE(empty_fragments) {
  frame_reader reader(1024);
  auto results = read_all(reader, text("", false) + continuation("", false) +
                                      continuation("ab", false) + continuation(""));
  BOOST_REQUIRE(results.size() == 1u);
  check(results[0], kind::message, 0, "ab");
}

BOOST_AUTO_TEST_CASE(extended_lengths) {
  for (std::size_t n : {std::size_t{126}, std::size_t{300}, std::size_t{65535},
                        std::size_t{65536}, std::size_t{70000}}) {
    client_frame f;
    f.payload = std::string(n, 'x');
    f.payload[0] = 'a';
    f.payload[n - 1] = 'z';
    const std::string bytes = f.bytes();
    BOOST_TEST(bytes.size() == n + (n <= 0xFFFF ? 8u : 14u));
    frame_reader reader(1 << 20);
    read_result r;
    BOOST_TEST(reader.feed(bytes, r) == bytes.size());
    check(r, kind::message, 0, f.payload);

    // The header split at every byte.
    frame_reader split(1 << 20);
    const std::size_t header = n <= 0xFFFF ? 8 : 14;
    for (std::size_t i = 0; i < header; ++i) {
      BOOST_TEST(split.feed(std::string_view(bytes).substr(i, 1), r) == 1u);
      BOOST_TEST(kind_name(r.what) == kind_name(kind::nothing));
    }
    BOOST_TEST(split.feed(std::string_view(bytes).substr(header), r) == n);
    check(r, kind::message, 0, f.payload);
  }
}

BOOST_AUTO_TEST_CASE(message_size_limit) {
  // Exactly the limit in one frame, and over it.
  check(read_one(text(std::string(10, 'a')), 10), kind::message, 0, std::string(10, 'a'));
  check_violation(read_one(text(std::string(11, 'a')), 10), 1009);

  // Over the limit only with a later continuation frame.
  {
    frame_reader reader(10);
    auto results = read_all(reader, text("abcdef", false) + continuation("ghij"));
    BOOST_REQUIRE(results.size() == 1u);
    check(results[0], kind::message, 0, "abcdefghij");
  }
  {
    frame_reader reader(10);
    auto results = read_all(reader, text("abcdef", false) + continuation("gh", false) +
                                        continuation("ijk"));
    BOOST_REQUIRE(results.size() == 1u);
    check_violation(results[0], 1009);
  }
  // Control frames do not count towards the message.
  {
    frame_reader reader(10);
    auto results = read_all(reader, text("abcdefghi", false) +
                                        frame(0x9, "0123456789ab") + continuation("j"));
    BOOST_REQUIRE(results.size() == 2u);
    check(results[0], kind::ping, 0, "0123456789ab");
    check(results[1], kind::message, 0, "abcdefghij");
  }
  // The limit applies per message: a second message of 10 bytes is fine.
  {
    frame_reader reader(10);
    auto results =
        read_all(reader, text(std::string(10, 'a')) + text(std::string(10, 'b')));
    BOOST_REQUIRE(results.size() == 2u);
    check(results[1], kind::message, 0, std::string(10, 'b'));
  }
  // A huge announced length is refused from the header alone.
  {
    const std::string bytes = bytes_of(
        {0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4});
    frame_reader reader(1 << 20);
    read_result r;
    BOOST_TEST(reader.feed(bytes, r) == bytes.size());
    check_violation(r, 1009);
  }
}

BOOST_AUTO_TEST_CASE(header_violations) {
  client_frame unmasked;
  unmasked.payload = "hi";
  unmasked.masked = false;
  check_violation(read_one(unmasked.bytes()), 1002);

  for (uint8_t rsv : {0x10, 0x20, 0x40, 0x70}) {
    client_frame f;
    f.payload = "hi";
    f.rsv = rsv;
    check_violation(read_one(f.bytes()), 1002);
  }

  for (uint8_t op : {0x3, 0x4, 0x7, 0xB, 0xF})
    check_violation(read_one(frame(op, "x")), 1002);

  check_violation(read_one(frame(0x2, "binary")), 1003);

  check_violation(read_one(continuation("orphan")), 1002);
  check_violation(read_one(continuation("orphan", false)), 1002);

  // A new text frame inside an unfinished fragmented message; also binary.
  {
    frame_reader reader(1024);
    auto results = read_all(reader, text("one", false) + text("two"));
    BOOST_REQUIRE(results.size() == 1u);
    check_violation(results[0], 1002);
  }
  {
    frame_reader reader(1024);
    auto results = read_all(reader, text("one", false) + frame(0x2, "two"));
    BOOST_REQUIRE(results.size() == 1u);
    BOOST_TEST(kind_name(results[0].what) == kind_name(kind::violation));
  }
  // A continuation after a finished message.
  {
    frame_reader reader(1024);
    auto results = read_all(reader, text("one") + continuation("two"));
    BOOST_REQUIRE(results.size() == 2u);
    check(results[0], kind::message, 0, "one");
    check_violation(results[1], 1002);
  }

  // Fragmented control frames.
  check_violation(read_one(frame(0x9, "p", false)), 1002);
  check_violation(read_one(frame(0xA, "p", false)), 1002);
  check_violation(read_one(frame(0x8, "", false)), 1002);

  // Control frames of at most 125 bytes.
  check(read_one(frame(0x9, std::string(125, 'p'))), kind::ping, 0,
        std::string(125, 'p'));
  check_violation(read_one(frame(0x9, std::string(126, 'p'))), 1002);
  check_violation(read_one(frame(0xA, std::string(126, 'p'))), 1002);
  check_violation(read_one(frame(0x8, bytes_of({0x03, 0xE8}) + std::string(124, 'c'))),
                  1002);
}

BOOST_AUTO_TEST_CASE(lengths_in_their_shortest_form) {
  client_frame f;
  f.payload = "short";
  f.length_form = 126;
  check_violation(read_one(f.bytes()), 1002);
  f.payload = std::string(125, 'a');
  check_violation(read_one(f.bytes()), 1002);
  f.payload = std::string(126, 'a');
  check(read_one(f.bytes()), kind::message, 0, f.payload);

  f.length_form = 127;
  f.payload = std::string(100, 'a');
  check_violation(read_one(f.bytes()), 1002);
  f.payload = std::string(65535, 'a');
  check_violation(read_one(f.bytes()), 1002);
  f.payload = std::string(65536, 'a');
  check(read_one(f.bytes()), kind::message, 0, f.payload);

  // The most significant bit of a 64-bit length must be 0.
  const std::string top =
      bytes_of({0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0x05, 1, 2, 3, 4});
  check_violation(read_one(top), 1002);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_messages) {
  check_violation(read_one(text("bad \xC0\x80")), 1007);
  check_violation(read_one(text("\xED\xA0\x80")), 1007);
  check_violation(read_one(text("\xF4\x90\x80\x80")), 1007);
  check_violation(read_one(text("ends mid-sequence \xE2\x82")), 1007);

  // Split across fragments: "€" = E2 82 AC.
  {
    frame_reader reader(1024);
    auto results = read_all(reader, text("a\xE2\x82", false) + continuation("\xAC"
                                                                            "b"));
    BOOST_REQUIRE(results.size() == 1u);
    check(results[0], kind::message, 0,
          "a\xE2\x82\xAC"
          "b");
  }
  {
    frame_reader reader(1024);
    auto results = read_all(reader, text("\xF0", false) + continuation("\x9F", false) +
                                        frame(0x9, "") + continuation("\x98\x80"));
    BOOST_REQUIRE(results.size() == 2u);
    check(results[0], kind::ping, 0, "");
    check(results[1], kind::message, 0, "\xF0\x9F\x98\x80");
  }
  // The message ends mid-sequence, though every frame is a valid prefix.
  {
    frame_reader reader(1024);
    auto results = read_all(reader, text("a\xE2", false) + continuation("\x82"));
    BOOST_REQUIRE(results.size() == 1u);
    check_violation(results[0], 1007);
  }
  // The second fragment does not continue the first one's sequence.
  {
    frame_reader reader(1024);
    auto results = read_all(reader, text("a\xE2", false) + continuation("b"));
    BOOST_REQUIRE(results.size() == 1u);
    check_violation(results[0], 1007);
  }
  // Detected before the frame is over.
  {
    frame_reader reader(1024);
    const std::string bytes = text("\xFF" + std::string(50, 'a'));
    read_result r;
    BOOST_TEST(reader.feed(std::string_view(bytes).substr(0, 7), r) == 7u);
    check_violation(r, 1007);
  }
  // Ping payloads are not text.
  check(read_one(frame(0x9, "\xFF\xC0")), kind::ping, 0, "\xFF\xC0");
}

BOOST_AUTO_TEST_CASE(close_frames) {
  check(read_one(frame(0x8, "")), kind::close, 1005, "");
  check(read_one(frame(0x8, bytes_of({0x03, 0xE8}))), kind::close, 1000, "");
  check(read_one(frame(0x8, bytes_of({0x03, 0xE9}) + "going \xC3\xA9")), kind::close,
        1001, "going \xC3\xA9");
  check(read_one(frame(0x8, bytes_of({0x0F, 0xA0}) + "app")), kind::close, 4000, "app");
  check(read_one(frame(0x8, bytes_of({0x03, 0xE8}) + std::string(123, 'r'))), kind::close,
        1000, std::string(123, 'r'));
  check_violation(read_one(frame(0x8, bytes_of({0x03}))), 1002);
  check_violation(read_one(frame(0x8, bytes_of({0x03, 0xED}))), 1002); // 1005
  check_violation(read_one(frame(0x8, bytes_of({0x03, 0xEE}))), 1002); // 1006
  check_violation(read_one(frame(0x8, bytes_of({0x03, 0xE7}))), 1002); // 999
  check_violation(read_one(frame(0x8, bytes_of({0x00, 0x00}))), 1002);
  check_violation(read_one(frame(0x8, bytes_of({0x03, 0xE8}) + "\xC0\x80")), 1007);
  check_violation(read_one(frame(0x8, bytes_of({0x03, 0xE8}) + "cut \xE2\x82")), 1007);

  // A close frame in the middle of a fragmented message.
  frame_reader reader(1024);
  auto results =
      read_all(reader, text("part", false) + frame(0x8, bytes_of({0x03, 0xE8})));
  BOOST_REQUIRE(results.size() == 1u);
  check(results[0], kind::close, 1000, "");
}

BOOST_AUTO_TEST_CASE(pings_and_pongs) {
  check(read_one(frame(0x9, "")), kind::ping, 0, "");
  check(read_one(frame(0x9, "are you there")), kind::ping, 0, "are you there");
  check(read_one(frame(0xA, "yes")), kind::pong, 0, "yes");

  frame_reader reader(1024);
  auto results = read_all(reader, frame(0x9, "a") + frame(0xA, "b") + frame(0x9, "c"));
  BOOST_REQUIRE(results.size() == 3u);
  check(results[0], kind::ping, 0, "a");
  check(results[1], kind::pong, 0, "b");
  check(results[2], kind::ping, 0, "c");
}

BOOST_AUTO_TEST_CASE(in_progress_states) {
  const std::string bytes = text("hello world");
  frame_reader reader(1024);
  read_result r;
  BOOST_TEST(!reader.in_progress());
  BOOST_TEST(reader.feed(std::string_view(bytes).substr(0, 1), r) == 1u);
  BOOST_TEST(reader.in_progress()); // part of the header
  BOOST_TEST(reader.feed(std::string_view(bytes).substr(1, 5), r) == 5u);
  BOOST_TEST(reader.in_progress()); // the header, not the payload
  BOOST_TEST(reader.feed(std::string_view(bytes).substr(6, 3), r) == 3u);
  BOOST_TEST(reader.in_progress()); // part of the payload
  BOOST_TEST(reader.feed(std::string_view(bytes).substr(9), r) == bytes.size() - 9);
  check(r, kind::message, 0, "hello world");
  BOOST_TEST(!reader.in_progress());

  // Between the fragments of a message.
  const std::string first = text("hel", false);
  BOOST_TEST(reader.feed(first, r) == first.size());
  BOOST_TEST(kind_name(r.what) == kind_name(kind::nothing));
  BOOST_TEST(reader.in_progress());
  const std::string ping = frame(0x9, "");
  BOOST_TEST(reader.feed(ping, r) == ping.size());
  check(r, kind::ping, 0, "");
  BOOST_TEST(reader.in_progress());
  const std::string last = continuation("lo");
  BOOST_TEST(reader.feed(last, r) == last.size());
  check(r, kind::message, 0, "hello");
  BOOST_TEST(!reader.in_progress());

  // A control frame alone leaves nothing in progress.
  BOOST_TEST(reader.feed(ping, r) == ping.size());
  BOOST_TEST(!reader.in_progress());
}

BOOST_AUTO_TEST_SUITE_END()
