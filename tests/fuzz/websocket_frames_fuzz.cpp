// libFuzzer target for the RFC 6455 codec (protocol/websocket_codec.hpp): one input is
// the byte stream a client sends after the opening handshake. Besides ASan/UBSan
// findings, every invariant below that fails stops the process with __builtin_trap().
//
// Invariants (from the decisions in protocol/websocket_codec.cpp):
// - frame_reader::feed never consumes more than it is given; "nothing" means it took
//   every byte; any other result took at least one byte.
// - Fed the whole input at once (again after each result), the reader reports exactly
//   what an independent whole-buffer reference (below) expects: the same kinds, close
//   codes and texts (a violation's reason excepted), each ending at the same byte, and
//   stops at the first close or violation. A violation is reported once the frame
//   header is complete, or at the end of the payload bytes available when the UTF-8 is
//   wrong, as the reference computes it.
// - Fed the same input byte by byte, and in chunks whose sizes come from the input's
//   first bytes, the reader reports the identical sequence of results, each ending at
//   the same byte (a violation may come earlier, when invalid UTF-8 shows up in an
//   earlier chunk of the same frame, never later).
// - Every message is valid UTF-8 (an independent decoder below) of at most
//   max_message bytes; pings and pongs carry at most 125 bytes; a close has code 1005
//   and no text, or a valid code and a valid UTF-8 reason of at most 123 bytes; a
//   violation's code is 1002, 1003, 1007 or 1009 with a reason.
// - in_progress() is false before any byte and after a message, and when the input is
//   used up without a close or violation it is true exactly when a header, a frame or
//   a fragmented message is left open.
// - utf8_validator agrees with the independent decoder on the input, whole and fed byte
//   by byte; close_payload(code, input) keeps the code and a prefix of the input of at
//   most 123 bytes, valid UTF-8 whenever the input is; make_header encodes sizes in
//   their shortest form.
#include "protocol/websocket_codec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace runrelay::protocol::websocket;
using kind = read_result::kind;

// Small, so that 1009 is reachable with short inputs.
constexpr std::size_t max_message = 300;

// ---- an independent UTF-8 decoder
// ------------------------------------------------------

// Decodes one code point at `i`. Returns the sequence length, 0 when the bytes there
// are not a valid sequence, or -1 when they are a valid beginning cut by the end.
int decode_one(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = byte(i);
  if (c < 0x80)
    return 1;
  int len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0; // a continuation byte, or F8..FF
  }
  // Decode what is there; a cut sequence is completed with the continuation byte that
  // gives the smallest (then the largest) code point, and is a valid beginning when
  // either completion is valid.
  for (uint32_t fill : {0x00u, 0x3Fu}) {
    uint32_t value = cp;
    bool cut = false;
    bool bad = false;
    for (int k = 1; k < len; ++k) {
      if (i + k >= s.size()) {
        cut = true;
        value = (value << 6) | fill;
        continue;
      }
      const uint8_t cc = byte(i + k);
      if ((cc & 0xC0) != 0x80) {
        bad = true;
        break;
      }
      value = (value << 6) | (cc & 0x3F);
    }
    if (bad)
      return 0;
    const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    const bool ok =
        value >= min && value <= 0x10FFFF && !(value >= 0xD800 && value <= 0xDFFF);
    if (ok)
      return cut ? -1 : len;
    if (!cut)
      return 0;
  }
  // A cut sequence whose extreme completions are both invalid: one in between may
  // still be valid (E0 needs A0..BF, ED 80..9F, F0 90..BF, F4 80..8F, all covered by
  // trying every second byte).
  if (i + 1 == s.size()) {
    for (int second = 0x80; second <= 0xBF; ++second) {
      std::string probe(1, static_cast<char>(c));
      probe += static_cast<char>(second);
      probe.append(static_cast<std::size_t>(len - 2), '\x80');
      if (decode_one(probe, 0) == len)
        return -1;
    }
  }
  return 0;
}

// 1: valid and complete; 0: invalid; -1: a valid beginning cut by the end.
int utf8_state(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const int n = decode_one(s, i);
    if (n <= 0)
      return n;
    i += static_cast<std::size_t>(n);
  }
  return 1;
}

bool valid_utf8(std::string_view s) {
  return utf8_state(s) == 1;
}
bool valid_utf8_prefix(std::string_view s) {
  return utf8_state(s) != 0;
}

// ---- an independent reader of the whole input -----------------------------------------

struct event {
  kind what = kind::nothing;
  uint16_t code = 0;
  std::string text;
  std::size_t end = 0; // the stream position just after the result
};

bool stops(kind what) {
  return what == kind::close || what == kind::violation;
}

bool close_code_allowed(uint16_t code) {
  switch (code) {
  case 1000:
  case 1001:
  case 1002:
  case 1003:
  case 1007:
  case 1008:
  case 1009:
  case 1010:
  case 1011:
  case 1012:
  case 1013:
  case 1014:
    return true;
  default:
    return code >= 3000 && code < 5000;
  }
}

struct reference_result {
  std::vector<event> events;
  bool open = false; // bytes or a message left unfinished at the end
};

reference_result reference(std::string_view in) {
  reference_result ref;
  std::size_t i = 0;
  bool in_message = false;
  std::string message;
  auto emit = [&](kind what, uint16_t code, std::string text, std::size_t end) {
    ref.events.push_back({what, code, std::move(text), end});
  };
  const auto at = [&](std::size_t k) { return static_cast<uint8_t>(in[k]); };
  while (i < in.size()) {
    if (in.size() - i < 2) {
      ref.open = true;
      return ref;
    }
    const bool fin = at(i) & 0x80;
    const unsigned rsv = at(i) & 0x70;
    const unsigned op = at(i) & 0x0F;
    const bool masked = at(i + 1) & 0x80;
    const unsigned len7 = at(i + 1) & 0x7F;
    const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const std::size_t header = 2 + ext + (masked ? 4 : 0);
    if (in.size() - i < header) {
      ref.open = true;
      return ref;
    }
    uint64_t len = len7;
    if (ext > 0) {
      len = 0;
      for (std::size_t k = 0; k < ext; ++k)
        len = len * 256 + at(i + 2 + k);
    }
    const std::size_t header_end = i + header;
    const bool control = op >= 8;
    const bool known = op <= 2 || (op >= 8 && op <= 10);
    const bool shortest = ext == 0 || (ext == 2 && len >= 126) ||
                          (ext == 8 && len >= 65536 && len < (uint64_t{1} << 63));
    const bool protocol_error =
        !shortest || rsv != 0 || !known || !masked || (control && (!fin || len > 125)) ||
        (op == 0 && !in_message) || ((op == 1 || op == 2) && in_message);
    if (protocol_error) {
      emit(kind::violation, 1002, "", header_end);
      return ref;
    }
    if (op == 2) {
      emit(kind::violation, 1003, "", header_end);
      return ref;
    }
    if (!control && len > max_message - (op == 1 ? 0 : message.size())) {
      emit(kind::violation, 1009, "", header_end);
      return ref;
    }
    uint8_t mask[4];
    for (std::size_t k = 0; k < 4; ++k)
      mask[k] = at(i + header - 4 + k);
    const std::size_t available =
        static_cast<std::size_t>(std::min<uint64_t>(len, in.size() - header_end));
    std::string payload;
    for (std::size_t k = 0; k < available; ++k)
      payload += static_cast<char>(at(header_end + k) ^ mask[k % 4]);
    const std::size_t end = header_end + available;
    if (!control) {
      if (op == 1) {
        in_message = true;
        message.clear();
      }
      message += payload;
      if (!valid_utf8_prefix(message)) {
        emit(kind::violation, 1007, "", end);
        return ref;
      }
    }
    if (available < len) {
      ref.open = true;
      return ref;
    }
    i = end;
    if (!control) {
      if (!fin)
        continue;
      in_message = false;
      if (!valid_utf8(message)) {
        emit(kind::violation, 1007, "", end);
        return ref;
      }
      emit(kind::message, 0, message, end);
      message.clear();
    } else if (op == 9) {
      emit(kind::ping, 0, payload, end);
    } else if (op == 10) {
      emit(kind::pong, 0, payload, end);
    } else if (payload.empty()) {
      emit(kind::close, 1005, "", end);
      return ref;
    } else if (payload.size() == 1) {
      emit(kind::violation, 1002, "", end);
      return ref;
    } else {
      const auto code = static_cast<uint16_t>(static_cast<uint8_t>(payload[0]) * 256 +
                                              static_cast<uint8_t>(payload[1]));
      if (!close_code_allowed(code)) {
        emit(kind::violation, 1002, "", end);
        return ref;
      }
      if (!valid_utf8(std::string_view(payload).substr(2))) {
        emit(kind::violation, 1007, "", end);
        return ref;
      }
      emit(kind::close, code, payload.substr(2), end);
      return ref;
    }
  }
  ref.open = in_message;
  return ref;
}

// ---- the reader under test
// -------------------------------------------------------------

struct run_result {
  std::vector<event> events;
  std::size_t consumed = 0;
  bool in_progress = false; // at the end, when no close or violation stopped the run
};

void check_result(const read_result& r) {
  switch (r.what) {
  case kind::nothing:
    FUZZ_CHECK(r.code == 0 && r.text.empty());
    break;
  case kind::message:
    FUZZ_CHECK(r.code == 0);
    FUZZ_CHECK(r.text.size() <= max_message);
    FUZZ_CHECK(valid_utf8(r.text));
    FUZZ_CHECK(fuzz::is_valid_utf8(r.text));
    break;
  case kind::ping:
  case kind::pong:
    FUZZ_CHECK(r.code == 0 && r.text.size() <= 125);
    break;
  case kind::close:
    if (r.code == close_code::no_status) {
      FUZZ_CHECK(r.text.empty());
    } else {
      FUZZ_CHECK(close_code_allowed(r.code));
      FUZZ_CHECK(r.text.size() <= 123 && valid_utf8(r.text));
    }
    break;
  case kind::violation:
    FUZZ_CHECK(r.code == close_code::protocol_error ||
               r.code == close_code::unsupported_data ||
               r.code == close_code::invalid_payload || r.code == close_code::too_big);
    FUZZ_CHECK(!r.text.empty());
    break;
  }
}

// Feeds `in` in chunks of the sizes `chunk(k)` gives for the k-th chunk.
template <class ChunkSize> run_result run(std::string_view in, ChunkSize chunk) {
  run_result out;
  frame_reader reader(max_message);
  FUZZ_CHECK(!reader.in_progress());
  std::size_t fed = 0; // bytes handed over so far, chunk by chunk
  for (std::size_t k = 0; fed < in.size(); ++k) {
    const std::size_t size = std::min(chunk(k), in.size() - fed);
    FUZZ_CHECK(size > 0);
    std::string_view rest = in.substr(fed, size);
    fed += size;
    while (true) {
      read_result r;
      r.text = "stale"; // feed must reset it
      r.code = 1;
      const std::size_t used = reader.feed(rest, r);
      FUZZ_CHECK(used <= rest.size());
      rest.remove_prefix(used);
      out.consumed += used;
      check_result(r);
      if (r.what == kind::nothing) {
        FUZZ_CHECK(rest.empty());
        break;
      }
      FUZZ_CHECK(used > 0);
      if (r.what == kind::message)
        FUZZ_CHECK(!reader.in_progress());
      out.events.push_back({r.what, r.code, std::move(r.text), out.consumed});
      if (stops(r.what))
        return out;
      if (rest.empty())
        break;
    }
  }
  FUZZ_CHECK(out.consumed == in.size());
  out.in_progress = reader.in_progress();
  return out;
}

bool same_result(const event& a, const event& b) {
  return a.what == b.what && a.code == b.code && a.text == b.text;
}

void check_same_run(const run_result& whole, const run_result& split) {
  FUZZ_CHECK(split.events.size() == whole.events.size());
  for (std::size_t k = 0; k < whole.events.size(); ++k) {
    const event& a = whole.events[k];
    const event& b = split.events[k];
    FUZZ_CHECK(same_result(a, b));
    if (a.what == kind::violation && a.code == close_code::invalid_payload)
      FUZZ_CHECK(b.end <= a.end && (k == 0 || b.end > whole.events[k - 1].end));
    else
      FUZZ_CHECK(b.end == a.end);
  }
  if (whole.events.empty() || !stops(whole.events.back().what)) {
    FUZZ_CHECK(split.consumed == whole.consumed);
    FUZZ_CHECK(split.in_progress == whole.in_progress);
  }
}

void check_reader(std::string_view in) {
  const run_result whole = run(in, [&](std::size_t) { return in.size(); });
  const reference_result ref = reference(in);
  FUZZ_CHECK(whole.events.size() == ref.events.size());
  for (std::size_t k = 0; k < ref.events.size(); ++k) {
    const event& got = whole.events[k];
    const event& want = ref.events[k];
    FUZZ_CHECK(got.what == want.what && got.code == want.code && got.end == want.end);
    if (got.what != kind::violation)
      FUZZ_CHECK(got.text == want.text);
  }
  if (ref.events.empty() || !stops(ref.events.back().what))
    FUZZ_CHECK(whole.in_progress == ref.open);

  check_same_run(whole, run(in, [](std::size_t) { return std::size_t{1}; }));
  // Chunk sizes from the first bytes of the input, 1 to 32 bytes each.
  uint8_t sizes[4] = {7, 3, 19, 1};
  for (std::size_t k = 0; k < 4 && k < in.size(); ++k)
    sizes[k] = static_cast<uint8_t>(in[k]);
  check_same_run(
      whole, run(in, [&](std::size_t k) { return std::size_t{1} + sizes[k % 4] % 32; }));
}

// ---- the other functions
// ---------------------------------------------------------------

void check_utf8_validator(std::string_view in) {
  const int state = utf8_state(in);
  FUZZ_CHECK((state == 1) == fuzz::is_valid_utf8(in));
  utf8_validator whole;
  const bool fed = whole.feed(in);
  FUZZ_CHECK(fed == (state != 0));
  if (fed)
    FUZZ_CHECK(whole.complete() == (state == 1));
  utf8_validator bytewise;
  std::size_t i = 0;
  while (i < in.size() && bytewise.feed(in.substr(i, 1)))
    ++i;
  FUZZ_CHECK((i == in.size()) == fed);
  if (fed) {
    FUZZ_CHECK(bytewise.complete() == whole.complete());
  } else { // refused at the first byte that cannot continue a valid beginning
    FUZZ_CHECK(valid_utf8_prefix(in.substr(0, i)));
    FUZZ_CHECK(!valid_utf8_prefix(in.substr(0, i + 1)));
  }
}

void check_close_payload(std::string_view in) {
  const auto code = static_cast<uint16_t>(in.empty() ? 1000 : 1000 + in[0]);
  const std::string p = close_payload(code, in);
  FUZZ_CHECK(p.size() >= 2 && p.size() <= 125);
  FUZZ_CHECK(static_cast<uint8_t>(p[0]) == code >> 8 &&
             static_cast<uint8_t>(p[1]) == (code & 0xFF));
  const std::string_view reason = std::string_view(p).substr(2);
  FUZZ_CHECK(in.substr(0, reason.size()) == reason);
  if (in.size() <= 123)
    FUZZ_CHECK(reason == in);
  if (valid_utf8(in)) {
    FUZZ_CHECK(valid_utf8(reason));
    FUZZ_CHECK(reason.size() >= std::min<std::size_t>(in.size(), 120)); // cut by < 4
  }
}

void check_make_header(std::string_view in) {
  uint64_t size = 0;
  for (std::size_t k = 0; k < 8 && k < in.size(); ++k)
    size = size * 256 + static_cast<uint8_t>(in[in.size() - 1 - k]);
  for (uint64_t n : {uint64_t{in.size()}, size, size & 0xFFFF, size & 0x1FFFF}) {
    const frame_header h = make_header(opcode::text, static_cast<std::size_t>(n));
    FUZZ_CHECK(h.view().size() == h.size);
    FUZZ_CHECK(h.bytes[0] == 0x81);
    const unsigned len7 = h.bytes[1];
    FUZZ_CHECK(len7 < 128); // unmasked
    uint64_t decoded = len7;
    if (len7 == 126) {
      decoded = uint64_t{h.bytes[2]} << 8 | h.bytes[3];
    } else if (len7 == 127) {
      decoded = 0;
      for (int k = 0; k < 8; ++k)
        decoded = decoded << 8 | h.bytes[2 + k];
    }
    FUZZ_CHECK(decoded == n);
    FUZZ_CHECK(h.size == (n < 126 ? 2 : n <= 0xFFFF ? 4 : 10));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_reader(input);
  check_utf8_validator(input);
  check_close_payload(input);
  check_make_header(input);
  return 0;
}
