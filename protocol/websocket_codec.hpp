#pragma once
// The server side of RFC 6455 framing, without I/O: the opening handshake's accept key,
// frame headers for what the relay sends, and an incremental reader of what a client
// sends. services/client_connection drives it over a non-blocking socket, so an event's
// serialized bytes go to every client as they are, behind a header of at most 10 bytes,
// and an idle client holds no read buffer at all.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace runrelay::protocol::websocket {

enum class opcode : uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Close codes the relay sends (RFC 6455 section 7.4.1).
namespace close_code {
inline constexpr uint16_t normal = 1000;
inline constexpr uint16_t going_away = 1001;
inline constexpr uint16_t protocol_error = 1002;
inline constexpr uint16_t unsupported_data = 1003;
inline constexpr uint16_t no_status = 1005; // never sent: "the peer gave no code"
inline constexpr uint16_t invalid_payload = 1007;
inline constexpr uint16_t policy_violation = 1008;
inline constexpr uint16_t too_big = 1009;
inline constexpr uint16_t try_again_later = 1013;
} // namespace close_code

// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key, or nothing when the key is not
// the base64 form of 16 bytes (section 4.2.1 item 5).
std::optional<std::string> accept_key(std::string_view client_key);

// A final, unmasked frame header for a payload of `payload_size` bytes.
struct frame_header {
  std::array<uint8_t, 10> bytes{};
  uint8_t size = 0;
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), size};
  }
};
frame_header make_header(opcode op, std::size_t payload_size);

// A whole close frame's payload: the code, then the reason cut to fit 123 bytes without
// splitting a UTF-8 sequence.
std::string close_payload(uint16_t code, std::string_view reason);

// Whether `code` may appear in a close frame (section 7.4).
bool is_valid_close_code(uint16_t code);

// Validates UTF-8 across calls, so a text message split over frames and reads is checked
// as it arrives.
class utf8_validator {
public:
  // False as soon as the bytes so far cannot begin valid UTF-8.
  bool feed(std::string_view bytes);
  // True when no multi-byte sequence is left open.
  bool complete() const { return pending_ == 0; }
  void reset() { *this = {}; }

private:
  uint8_t pending_ = 0; // continuation bytes still expected
  uint8_t lower_ = 0x80;
  uint8_t upper_ = 0xBF;
};

// What the reader found; `text` carries a text message, a ping's or pong's payload, or a
// close frame's reason.
struct read_result {
  enum class kind : uint8_t {
    nothing,   // every byte was consumed and nothing is complete yet
    message,   // a whole text message in `text`
    ping,      // answer with a pong carrying `text`
    pong,      //
    close,     // the client closes with `code` (1005: it gave none) and `text`
    violation, // close the connection with `code` and reason `text`
  };
  kind what = kind::nothing;
  uint16_t code = 0;
  std::string text;
};

// Reads client frames incrementally. A client's bytes may arrive in any split; the reader
// keeps only a partial header (at most 14 bytes) and the message in progress.
class frame_reader {
public:
  explicit frame_reader(std::size_t max_message_bytes)
      : max_message_bytes_(max_message_bytes) {}

  // Consumes bytes up to the end of at most one complete message or control frame and
  // returns how many it consumed; `out` says what completed. After a violation the
  // reader must not be fed again.
  std::size_t feed(std::string_view bytes, read_result& out);

  // True while a message or a frame is only partly read.
  bool in_progress() const { return header_size_ > 0 || in_frame_ || in_message_; }

private:
  std::size_t read_header(std::string_view bytes, read_result& out);
  bool check_header(read_result& out);
  void read_payload(std::string_view bytes);
  void finish_frame(read_result& out);
  // Records the violation; false, for check_header to return.
  static bool violate(read_result& out, uint16_t code, std::string reason);

  std::size_t max_message_bytes_;
  // The header being read.
  std::array<uint8_t, 14> header_{};
  uint8_t header_size_ = 0;
  // The frame whose payload is being read.
  bool in_frame_ = false;
  bool frame_fin_ = false;
  opcode frame_opcode_ = opcode::continuation;
  std::array<uint8_t, 4> mask_{};
  uint64_t frame_left_ = 0;
  uint64_t frame_offset_ = 0; // position in the frame, for the mask
  // The text message across frames, and a control frame's payload.
  bool in_message_ = false;
  std::string message_;
  std::string control_;
  utf8_validator utf8_;
  bool utf8_ok_ = true;
};

} // namespace runrelay::protocol::websocket
