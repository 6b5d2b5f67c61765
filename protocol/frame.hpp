#pragma once
// A serialized WebSocket text message. Built once, shared by every session that sends it.
#include <memory>
#include <string>

namespace runrelay::protocol {

using frame_ptr = std::shared_ptr<const std::string>;

inline frame_ptr make_frame(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

} // namespace runrelay::protocol
