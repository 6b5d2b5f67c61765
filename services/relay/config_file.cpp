#include "services/relay/config_file.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace runrelay::services {
namespace {

std::string trimmed(const std::string& s) {
  size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

bool bare_key(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
  });
}

// The value as written, without a trailing comment outside quotes.
std::string raw_value(const std::string& text) {
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (quote ? text[i] == quote : text[i] == '"' || text[i] == '\'')
      quote = quote ? 0 : text[i];
    else if (!quote && text[i] == '#')
      return trimmed(text.substr(0, i));
  }
  return trimmed(text);
}

// One `key = value` line, or an error text.
std::string read_line(const std::string& line, config_entry& entry) {
  size_t eq = line.find('=');
  if (line.front() == '[')
    return "tables ('" + line + "') are not used: write every key at the top level";
  if (eq == std::string::npos)
    return "expected KEY = VALUE";
  entry.key = trimmed(line.substr(0, eq));
  if (!bare_key(entry.key))
    return "'" + entry.key + "' is not a key (letters, digits, '-' and '_')";
  std::string value = raw_value(line.substr(eq + 1));
  if (value.empty())
    return entry.key + ": missing value";
  char first = value.front();
  if ((first == '"' || first == '\'') && (value.size() < 2 || value.back() != first))
    return entry.key + ": unclosed quote";
  if (first == '[' || first == '{')
    return entry.key + ": takes one value, not an array or a table";
  if (first != '"' && first != '\'' && value.find_first_of(" \t,") != std::string::npos)
    return entry.key + ": a value with spaces or commas needs quotes";
  std::istringstream one(entry.key + " = " + value);
  auto items = CLI::ConfigTOML().from_config(one);
  if (items.size() != 1 || items.front().inputs.size() != 1)
    return entry.key + ": takes one value";
  entry.value = items.front().inputs.front();
  return "";
}

} // namespace

config_file read_config_file(const std::string& path) {
  config_file out;
  std::ifstream in(path);
  if (!in) {
    out.error = path + ": cannot read: " + std::strerror(errno);
    return out;
  }
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    std::string line = trimmed(text);
    if (line.empty() || line.front() == '#')
      continue;
    config_entry entry;
    entry.line = number;
    std::string err = read_line(line, entry);
    auto same = std::find_if(out.entries.begin(), out.entries.end(),
                             [&](const config_entry& e) { return e.key == entry.key; });
    if (err.empty() && same != out.entries.end())
      err = entry.key + ": already set on line " + std::to_string(same->line);
    if (!err.empty()) {
      out.error = path + ":" + std::to_string(number) + ": " + err;
      return out;
    }
    out.entries.push_back(std::move(entry));
  }
  if (in.bad())
    out.error = path + ": cannot read: " + std::strerror(errno);
  return out;
}

} // namespace runrelay::services
