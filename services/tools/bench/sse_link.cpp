// One SSE connection of a subscriber: a plain GET of /runs/<id>/stream and a read of the
// raw stream (the relay sends it unchunked, until it closes). Text/event-stream is
// parsed here, not with a library: the bench only needs `event:` and `data:` lines.
#include <array>

#include <boost/asio/write.hpp>

#include "services/tools/bench/http_link.hpp"
#include "services/tools/bench/http_link_base.hpp"

namespace runrelay::bench {
namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;

constexpr std::size_t max_header_bytes = 16 * 1024;

// The status code of an HTTP/1.x status line, or 0.
int status_code(std::string_view head) {
  auto space = head.find(' ');
  if (head.substr(0, 5) != "HTTP/" || space == std::string_view::npos ||
      head.size() < space + 4)
    return 0;
  int code = 0;
  for (char c : head.substr(space + 1, 3)) {
    if (c < '0' || c > '9')
      return 0;
    code = code * 10 + (c - '0');
  }
  return code;
}

std::string_view field_value(std::string_view line, std::string_view name) {
  if (line.substr(0, name.size()) != name)
    return {};
  line.remove_prefix(name.size());
  if (!line.empty() && line.front() == ' ')
    line.remove_prefix(1);
  return line;
}

class sse_link final : public http_link_base {
public:
  sse_link(asio::io_context& io, const subscriber_env& env, const std::string& run_id,
           const std::string& since, std::shared_ptr<link_events> owner)
      : http_link_base(io, env, std::move(owner)) {
    request_ =
        "GET /runs/" + run_id + "/stream" + (since.empty() ? "" : "?since=" + since) +
        " HTTP/1.1\r\nHost: " + env_.host + "\r\nAccept: text/event-stream\r\n\r\n";
  }

  using http_link_base::start;

private:
  void on_connected() override {
    asio::async_write(stream_.socket(), asio::buffer(request_),
                      [self = self<sse_link>()](error_code ec, std::size_t) {
                        if (ec)
                          return self->finish("write: " + ec.message());
                        self->read();
                      });
  }

  void read() {
    stream_.socket().async_read_some(
        asio::buffer(chunk_), [self = self<sse_link>()](error_code ec, std::size_t n) {
          if (ec)
            return self->finish(ec == asio::error::eof ? "the relay ended the stream"
                                                       : "read: " + ec.message());
          self->buffer_.append(self->chunk_.data(), n);
          if (self->consume())
            self->read();
        });
  }

  // Parses what has arrived; false once the link has ended. After an abort it returns
  // true: the next read fails on the closed socket and finish() reports the reason.
  bool consume() {
    if (!headers_done_ && !consume_headers())
      return !ended_;
    std::size_t start = 0;
    for (auto end = buffer_.find("\n\n"); end != std::string::npos && !ended_;
         end = buffer_.find("\n\n", start)) {
      consume_block(std::string_view(buffer_).substr(start, end - start));
      start = end + 2;
    }
    buffer_.erase(0, start);
    return !ended_;
  }

  bool consume_headers() {
    auto end = buffer_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (buffer_.size() > max_header_bytes)
        abort("response headers over 16 KiB");
      return false;
    }
    if (int code = status_code(buffer_); code != 200) {
      abort("relay answered HTTP " + std::to_string(code));
      return false;
    }
    headers_done_ = true; // the relay's own `subscribed` comes as an SSE event
    buffer_.erase(0, end + 4);
    return true;
  }

  void consume_block(std::string_view block) {
    std::string_view event, data;
    while (!block.empty()) {
      auto newline = block.find('\n');
      auto line = block.substr(0, newline);
      if (auto value = field_value(line, "data:"); value.data())
        data = value; // the relay writes one data line per event
      else if (auto name = field_value(line, "event:"); name.data())
        event = name;
      block.remove_prefix(newline == std::string_view::npos ? block.size() : newline + 1);
    }
    if (event == "close") {
      abort_reason_ = "the relay closed the stream: " + std::string(data);
      return drop();
    }
    if (!data.empty())
      owner_->on_frame(*this, data);
  }

  std::string request_;
  std::string buffer_;
  std::array<char, 64 * 1024> chunk_{};
  bool headers_done_ = false;
};

} // namespace

std::shared_ptr<client_link> start_sse_link(asio::io_context& io,
                                            const subscriber_env& env, std::string run_id,
                                            std::string since,
                                            std::shared_ptr<link_events> owner) {
  auto link = std::make_shared<sse_link>(io, env, run_id, since, std::move(owner));
  link->start();
  return link;
}

} // namespace runrelay::bench
