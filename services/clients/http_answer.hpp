#pragma once
// One HTTP answer as the handlers build it, and its JSON error form.
#include "protocol/client_codec.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runrelay::services {

struct http_answer {
  http_answer() = default;
  http_answer(unsigned status, std::string content_type, std::string body,
              std::string cache_control = "no-store")
      : status(status), content_type(std::move(content_type)), body(std::move(body)),
        cache_control(std::move(cache_control)) {}

  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string cache_control = "no-store";
  std::vector<std::pair<std::string, std::string>> headers; // further header fields
};

using answer_callback = std::function<void(http_answer)>;

inline http_answer error_answer(unsigned status, std::string_view text) {
  return {status, "application/json", "{\"error\":" + protocol::json_quote(text) + "}",
          "no-store"};
}

} // namespace runrelay::services
