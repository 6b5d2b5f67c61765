// RFC 6455, server side, the pieces without state: the handshake's accept key, the
// relay's frame headers, close payloads and codes, and UTF-8 validation. The frame
// reader has websocket_reader_test.cpp and websocket_violations_test.cpp.
#include "tests/unit/protocol/websocket_client_frames.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using namespace websocket_test;

namespace {

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

BOOST_AUTO_TEST_SUITE_END()
