#pragma once
// JSON answers of the run API (docs/protocol.md section 3) and the Server-Sent Events
// framing of GET /runs/<run_id>/stream. Pure functions.
#include "protocol/run_view.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace runrelay::protocol {

// RFC 3339 in UTC with milliseconds: 2026-12-03T18:04:05.123Z.
std::string format_rfc3339(std::chrono::system_clock::time_point time);

// One entry of GET /runs; with `detail`, GET /runs/<run_id>'s counts, progress and
// artifacts as well.
std::string encode_run(const run_view& run, bool detail);
// {"runs":[...],"total":<matching runs before the limit>}
std::string encode_runs(const std::vector<run_view>& runs, std::size_t total);
// {"events":[...],"next":n,"next_id":..,"gap":..}
std::string encode_poll_page(const poll_page& page);

// A relay message (a section 2 JSON text) as one SSE event: an `event` message as
// `id: <event_id>` and `data: <envelope>`, any other as `event: <its type>` and `data:`.
// Line breaks inside the text become further `data:` lines, which the client joins back.
std::string encode_sse(std::string_view message);
// Sent first on a stream: the reconnect delay the client should use.
std::string encode_sse_retry(uint64_t retry_ms);
constexpr std::string_view sse_keep_alive = ": keep-alive\n\n";

} // namespace runrelay::protocol
