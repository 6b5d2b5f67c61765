#pragma once
// Reads runrelay's TOML configuration file (docs/operations.md): top-level
// `key = value` lines, the keys spelled as the flags without "--".
#include <optional>
#include <string>
#include <vector>

namespace runrelay::services {

struct config_entry {
  std::string key;
  std::string value; // quotes removed
  int line = 0;      // 1-based
};

struct config_file {
  std::vector<config_entry> entries; // in file order, each key once
  std::string error;                 // "PATH:LINE: ..." or "PATH: ..."; empty when read
};

// CLI11's TOML reader splits each line; this adds what it leaves out: line numbers,
// and refusing tables, arrays, duplicate keys, lines without '=' and unclosed quotes
// instead of guessing what they meant. Keys are not checked against the options here.
config_file read_config_file(const std::string& path);

} // namespace runrelay::services
