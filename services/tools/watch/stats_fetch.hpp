#pragma once
// One HTTP GET (http:// or https://, peer verified), for `runrelay-watch --stats`.
#include <chrono>
#include <string>

#include "services/web_client/web_url.hpp"

namespace runrelay::watch {

struct http_result {
  unsigned status = 0; // 0 when no answer arrived
  std::string body;
  std::string error; // why no answer arrived
};

http_result http_get(const web_client::web_url& url, std::chrono::milliseconds timeout);

} // namespace runrelay::watch
