#pragma once
// The dashboard's files (services/clients/dashboard/), compiled into the binary by
// cmake/embed_assets.cmake so that GET / works with no file on disk and no network.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace runrelay::services {

// One embedded file, as the generated table lists it.
struct embedded_file {
  const char* name;
  const unsigned char* data;
  std::size_t size;
  const char* sha256_prefix;
};

namespace embedded {
extern const embedded_file dashboard_files[];
extern const std::size_t dashboard_file_count;
} // namespace embedded

struct dashboard_asset {
  std::string_view content_type;
  std::string_view body;
  // Quoted, as the ETag header carries it: the content hash, stable across builds of
  // the same bytes.
  std::string etag;
};

// Maps request paths to embedded files: `/` is index.html, `/dashboard/<name>` any
// file of the folder.
class asset_table {
public:
  static const asset_table& dashboard();

  asset_table(const embedded_file* files, std::size_t count);

  // Null for a path that names no embedded file.
  const dashboard_asset* find(std::string_view path) const;
  std::size_t size() const { return entries_.size(); }

private:
  struct entry {
    std::string_view name;
    dashboard_asset asset;
  };
  std::vector<entry> entries_;
};

// The Content-Type for a file name, by its extension.
std::string_view content_type_for(std::string_view name);

} // namespace runrelay::services
