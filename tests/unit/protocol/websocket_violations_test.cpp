// RFC 6455, server side: what the frame reader refuses, and the close code each
// refusal carries (size limit, header rules, lengths, UTF-8, close frames).
#include "tests/unit/protocol/websocket_client_frames.hpp"

using namespace websocket_test;

BOOST_AUTO_TEST_SUITE(websocket_violations)

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

BOOST_AUTO_TEST_SUITE_END()
