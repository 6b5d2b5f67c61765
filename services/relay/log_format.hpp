#pragma once
// --log-format json: one JSON object per log line for log collectors
// (docs/operations.md): time, level, component, message, fields.
#include <spdlog/formatter.h>

#include <map>
#include <memory>
#include <string>

namespace runrelay::services {

class json_log_formatter final : public spdlog::formatter {
public:
  // `fields` go into every line's "fields" object (e.g. relay_id).
  explicit json_log_formatter(std::map<std::string, std::string> fields = {});
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

private:
  std::map<std::string, std::string> fields_;
  std::string fields_json_; // serialized once
};

} // namespace runrelay::services
