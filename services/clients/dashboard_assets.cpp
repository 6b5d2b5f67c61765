#include "services/clients/dashboard_assets.hpp"

namespace runrelay::services {

namespace {

constexpr std::string_view asset_prefix = "/dashboard/";
constexpr std::string_view page_name = "index.html";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

} // namespace

std::string_view content_type_for(std::string_view name) {
  // ES modules load only with a JavaScript MIME type, so .js must be exact.
  if (ends_with(name, ".html"))
    return "text/html; charset=utf-8";
  if (ends_with(name, ".js") || ends_with(name, ".mjs"))
    return "text/javascript; charset=utf-8";
  if (ends_with(name, ".css"))
    return "text/css; charset=utf-8";
  if (ends_with(name, ".svg"))
    return "image/svg+xml";
  if (ends_with(name, ".png"))
    return "image/png";
  if (ends_with(name, ".ico"))
    return "image/x-icon";
  if (ends_with(name, ".json"))
    return "application/json";
  return "application/octet-stream";
}

asset_table::asset_table(const embedded_file* files, std::size_t count) {
  entries_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& file = files[i];
    entries_.push_back({file.name,
                        {content_type_for(file.name),
                         {reinterpret_cast<const char*>(file.data), file.size},
                         "\"" + std::string(file.sha256_prefix) + "\""}});
  }
}

const asset_table& asset_table::dashboard() {
  static const asset_table table(embedded::dashboard_files,
                                 embedded::dashboard_file_count);
  return table;
}

const dashboard_asset* asset_table::find(std::string_view path) const {
  std::string_view name;
  if (path == "/")
    name = page_name;
  else if (path.substr(0, asset_prefix.size()) == asset_prefix)
    name = path.substr(asset_prefix.size());
  else
    return nullptr;
  // Names are flat file names: nothing else (no "..", no sub-folder) can match.
  for (const auto& entry : entries_)
    if (entry.name == name)
      return &entry.asset;
  return nullptr;
}

} // namespace runrelay::services
