// RFC 6455, server side: how the frame reader reads what well-behaved clients send
// (messages whole, split anywhere, fragmented, with control frames between).
#include "tests/unit/protocol/websocket_client_frames.hpp"

using namespace websocket_test;

BOOST_AUTO_TEST_SUITE(websocket_reader)

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
