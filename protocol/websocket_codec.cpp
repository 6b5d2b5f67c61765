#include "protocol/websocket_codec.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace runrelay::protocol::websocket {

namespace {

constexpr std::string_view handshake_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::size_t max_control_payload = 125;
constexpr std::size_t max_close_reason = max_control_payload - 2;

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/';
}

bool is_control(opcode op) {
  return static_cast<uint8_t>(op) >= 0x8;
}

bool is_known(uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

} // namespace

std::optional<std::string> accept_key(std::string_view client_key) {
  // 16 bytes encode to 22 significant characters and two of padding.
  if (client_key.size() != 24 || client_key.substr(22) != "==" ||
      !std::all_of(client_key.begin(), client_key.begin() + 22, is_base64_char))
    return std::nullopt;
  std::string input(client_key);
  input += handshake_guid;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  std::string encoded(28, '\0');
  auto written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest,
                                 SHA_DIGEST_LENGTH);
  encoded.resize(static_cast<std::size_t>(written));
  return encoded;
}

frame_header make_header(opcode op, std::size_t payload_size) {
  frame_header header;
  header.bytes[0] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(op));
  if (payload_size < 126) {
    header.bytes[1] = static_cast<uint8_t>(payload_size);
    header.size = 2;
  } else if (payload_size <= 0xFFFF) {
    header.bytes[1] = 126;
    header.bytes[2] = static_cast<uint8_t>(payload_size >> 8);
    header.bytes[3] = static_cast<uint8_t>(payload_size);
    header.size = 4;
  } else {
    header.bytes[1] = 127;
    auto size = static_cast<uint64_t>(payload_size);
    for (int i = 0; i < 8; ++i)
      header.bytes[2 + i] = static_cast<uint8_t>(size >> (56 - 8 * i));
    header.size = 10;
  }
  return header;
}

std::string close_payload(uint16_t code, std::string_view reason) {
  if (reason.size() > max_close_reason) {
    auto cut = max_close_reason;
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80)
      --cut;
    reason = reason.substr(0, cut);
  }
  std::string payload;
  payload.reserve(2 + reason.size());
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload += reason;
  return payload;
}

bool is_valid_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999)
    return true; // registered and private use
  return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

bool utf8_validator::feed(std::string_view bytes) {
  for (char c : bytes) {
    auto b = static_cast<uint8_t>(c);
    if (pending_ > 0) {
      if (b < lower_ || b > upper_)
        return false;
      lower_ = 0x80;
      upper_ = 0xBF;
      --pending_;
      continue;
    }
    if (b < 0x80)
      continue;
    // The ranges of RFC 3629 section 4: no overlong forms, no surrogates, nothing
    // above U+10FFFF.
    if (b >= 0xC2 && b <= 0xDF) {
      pending_ = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      pending_ = 2;
      if (b == 0xE0)
        lower_ = 0xA0;
      else if (b == 0xED)
        upper_ = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      pending_ = 3;
      if (b == 0xF0)
        lower_ = 0x90;
      else if (b == 0xF4)
        upper_ = 0x8F;
    } else {
      return false;
    }
  }
  return true;
}

bool frame_reader::violate(read_result& out, uint16_t code, std::string reason) {
  out.what = read_result::kind::violation;
  out.code = code;
  out.text = std::move(reason);
  return false;
}

std::size_t frame_reader::feed(std::string_view bytes, read_result& out) {
  out = {};
  std::size_t consumed = 0;
  while (out.what == read_result::kind::nothing) {
    if (!in_frame_) {
      if (consumed == bytes.size())
        break;
      consumed += read_header(bytes.substr(consumed), out);
      if (!in_frame_)
        break; // the header is incomplete, or it was refused
    }
    auto take = static_cast<std::size_t>(
        std::min<uint64_t>(frame_left_, bytes.size() - consumed));
    read_payload(bytes.substr(consumed, take));
    consumed += take;
    if (!utf8_ok_)
      violate(out, close_code::invalid_payload, "invalid UTF-8 in a text message");
    else if (frame_left_ == 0)
      finish_frame(out);
    else
      break; // the payload continues in later bytes
  }
  return consumed;
}

std::size_t frame_reader::read_header(std::string_view bytes, read_result& out) {
  std::size_t consumed = 0;
  auto want = [&](std::size_t total) {
    if (header_size_ >= total)
      return true; // already held, from an earlier feed
    auto take = std::min<std::size_t>(total - header_size_, bytes.size() - consumed);
    std::memcpy(header_.data() + header_size_, bytes.data() + consumed, take);
    header_size_ = static_cast<uint8_t>(header_size_ + take);
    consumed += take;
    return header_size_ == total;
  };
  if (!want(2))
    return consumed;
  std::size_t length_bytes = (header_[1] & 0x7F) == 126   ? 2
                             : (header_[1] & 0x7F) == 127 ? 8
                                                          : 0;
  std::size_t mask_bytes = (header_[1] & 0x80) ? 4 : 0;
  if (!want(2 + length_bytes + mask_bytes))
    return consumed;
  if (check_header(out))
    in_frame_ = true;
  header_size_ = 0;
  return consumed;
}

bool frame_reader::check_header(read_result& out) {
  bool fin = header_[0] & 0x80;
  uint8_t op = header_[0] & 0x0F;
  bool masked = header_[1] & 0x80;
  uint64_t length = header_[1] & 0x7F;
  std::size_t at = 2;
  if (length == 126) {
    length = (uint64_t{header_[2]} << 8) | header_[3];
    if (length < 126)
      return violate(out, close_code::protocol_error, "length not in its shortest form");
    at = 4;
  } else if (length == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i)
      length = (length << 8) | header_[2 + i];
    if (length <= 0xFFFF || (length >> 63) != 0)
      return violate(out, close_code::protocol_error, "length not in its shortest form");
    at = 10;
  }
  if (header_[0] & 0x70)
    return violate(out, close_code::protocol_error, "reserved bits set");
  if (!is_known(op))
    return violate(out, close_code::protocol_error, "unknown opcode");
  if (!masked)
    return violate(out, close_code::protocol_error, "client frames must be masked");
  auto kind = static_cast<opcode>(op);
  if (is_control(kind)) {
    if (!fin)
      return violate(out, close_code::protocol_error, "fragmented control frame");
    if (length > max_control_payload)
      return violate(out, close_code::protocol_error, "control frame over 125 bytes");
    control_.clear();
  } else if (kind == opcode::continuation) {
    if (!in_message_)
      return violate(out, close_code::protocol_error, "continuation without a message");
  } else {
    if (in_message_)
      return violate(out, close_code::protocol_error,
                     "new message inside a fragmented one");
    if (kind == opcode::binary)
      return violate(out, close_code::unsupported_data, "binary frames are not accepted");
    in_message_ = true;
    message_.clear();
    utf8_.reset();
  }
  if (!is_control(kind) && length > max_message_bytes_ - message_.size())
    return violate(out, close_code::too_big,
                   "message over " + std::to_string(max_message_bytes_) + " bytes");
  std::memcpy(mask_.data(), header_.data() + at, 4);
  frame_fin_ = fin;
  frame_opcode_ = kind;
  frame_left_ = length;
  frame_offset_ = 0;
  return true;
}

void frame_reader::read_payload(std::string_view bytes) {
  auto& target = is_control(frame_opcode_) ? control_ : message_;
  auto start = target.size();
  target.append(bytes);
  for (std::size_t i = start; i < target.size(); ++i)
    target[i] = static_cast<char>(target[i] ^ mask_[(frame_offset_ + i - start) & 3]);
  frame_offset_ += bytes.size();
  frame_left_ -= bytes.size();
  if (!is_control(frame_opcode_) && !utf8_.feed(std::string_view(target).substr(start)))
    utf8_ok_ = false;
}

void frame_reader::finish_frame(read_result& out) {
  in_frame_ = false;
  switch (frame_opcode_) {
  case opcode::text:
  case opcode::continuation:
    if (!frame_fin_)
      return;
    in_message_ = false;
    if (!utf8_.complete()) {
      violate(out, close_code::invalid_payload, "invalid UTF-8 in a text message");
      return;
    }
    out.what = read_result::kind::message;
    out.text = std::exchange(message_, {});
    return;
  case opcode::ping:
    out.what = read_result::kind::ping;
    out.text = std::exchange(control_, {});
    return;
  case opcode::pong:
    out.what = read_result::kind::pong;
    out.text = std::exchange(control_, {});
    return;
  case opcode::close: {
    if (control_.empty()) {
      out.what = read_result::kind::close;
      out.code = close_code::no_status;
      return;
    }
    if (control_.size() == 1) {
      violate(out, close_code::protocol_error, "close frame of one byte");
      return;
    }
    auto code = static_cast<uint16_t>((static_cast<uint8_t>(control_[0]) << 8) |
                                      static_cast<uint8_t>(control_[1]));
    if (!is_valid_close_code(code)) {
      violate(out, close_code::protocol_error, "invalid close code");
      return;
    }
    utf8_validator reason_check;
    auto reason = std::string_view(control_).substr(2);
    if (!reason_check.feed(reason) || !reason_check.complete()) {
      violate(out, close_code::invalid_payload, "invalid UTF-8 in a close reason");
      return;
    }
    out.what = read_result::kind::close;
    out.code = code;
    out.text = std::string(reason);
    return;
  }
  case opcode::binary:
    return; // refused in check_header
  }
}

} // namespace runrelay::protocol::websocket
