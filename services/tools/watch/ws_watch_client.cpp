#include "services/tools/watch/ws_watch_client.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <utility>

#include "services/web_client/tls_client.hpp"

namespace runrelay::watch {
namespace {

namespace asio = boost::asio;
using error_code = boost::system::error_code;
using std::chrono::system_clock;

// Time left for our close frame to go out at exit.
constexpr std::chrono::seconds close_grace{1};

// The `type` of an event envelope's data.
std::string_view event_type(const relay_message& message) {
  auto it = message.body.find("data");
  if (it == message.body.end() || !it->value().is_object())
    return {};
  const auto& data = it->value().get_object();
  auto type = data.find("type");
  return type != data.end() && type->value().is_string()
             ? std::string_view(type->value().get_string())
             : std::string_view();
}

// A raw message on one line: a line break in JSON text can only be whitespace between
// tokens (inside strings it is escaped), so a space keeps the message the same.
std::string one_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

void write_line(std::FILE* to, const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), to);
  std::fputc('\n', to);
  std::fflush(to);
}

} // namespace

ws_watch_client::ws_watch_client(asio::io_context& io, watch_options options)
    : io_(io), options_(std::move(options)), tls_(web_client::make_client_tls_context()),
      printer_(format_options{options_.color, false}),
      resume_(options_.run, options_.since), retry_timer_(io), deadline_timer_(io),
      exit_timer_(io), signals_(io, SIGINT, SIGTERM) {}

void ws_watch_client::start() {
  signals_.async_wait([this](error_code ec, int signal) { on_signal(ec, signal); });
  if (options_.timeout_ms > 0) {
    deadline_timer_.expires_after(std::chrono::milliseconds(options_.timeout_ms));
    deadline_timer_.async_wait([this](error_code ec) { on_deadline(ec); });
  }
  note("connecting to " + options_.url, false);
  do_connect();
}

void ws_watch_client::do_connect() {
  auto generation = ++generation_;
  welcomed_ = false;
  connection_handlers handlers{
      [this, generation] { on_open(generation); },
      [this, generation](std::string text) { on_message(generation, std::move(text)); },
      [this, generation](std::string why) { on_closed(generation, std::move(why)); }};
  connection_ = start_ws_connection(io_, *tls_, options_.endpoint, std::move(handlers));
}

void ws_watch_client::on_open(std::uint64_t) {
  // Nothing to send yet: the relay speaks first (welcome), and the subscriptions follow
  // it so that the lines read in order.
}

void ws_watch_client::on_message(std::uint64_t generation, std::string text) {
  if (generation != generation_ || finishing_)
    return;
  auto message = parse_relay_message(text);
  if (message.type == "event")
    return on_event(message, text);
  bool routine = message.type == "unsubscribed" &&
                 message.text("id") == resume_state::catch_up_id && !options_.json;
  if ((!options_.quiet || message.type == "error") && !routine) {
    auto line = options_.json ? one_line(std::move(text))
                              : printer_.format(message, system_clock::now());
    if (!line.empty())
      write_line(options_.quiet ? stderr : stdout, line);
  }
  if (message.type == "welcome") {
    welcomed_ = true;
    backoff_ = first_backoff;
    auto relay_id = std::string(message.text("relay_id"));
    if (!relay_id_.empty() && relay_id != relay_id_)
      note("this is another relay than before (restarted, or a replica): its #seq "
           "numbers are its own; resuming by event_id",
           true);
    relay_id_ = relay_id;
    if (std::exchange(connected_, true))
      note(resume_.resume_description(), false);
    for (auto& subscribe : resume_.subscribe_messages())
      connection_->send(std::move(subscribe));
  }
}

void ws_watch_client::on_event(const relay_message& message, const std::string& text) {
  auto run_id = message.text("run_id");
  auto type = event_type(message);
  if (!resume_.accept(run_id, message.text("event_id"), type))
    return; // shown before a reconnect
  print(options_.json ? one_line(text) : printer_.format(message, system_clock::now()));
  if (auto unsubscribe = resume_.unsubscribe_if_finished(run_id, type);
      !unsubscribe.empty())
    connection_->send(std::move(unsubscribe));
  if (++events_ >= options_.count && options_.count > 0)
    finish(0, {});
}

void ws_watch_client::on_closed(std::uint64_t generation, std::string why) {
  if (generation != generation_)
    return;
  connection_.reset();
  if (finishing_)
    return io_.stop();
  do_retry(why);
}

void ws_watch_client::do_retry(const std::string& why) {
  auto delay = backoff_;
  backoff_ = std::min(backoff_ * 2, max_backoff);
  auto seconds = std::to_string(delay.count() / 1000) + " s";
  note((welcomed_ ? "connection lost: " + why + "; reconnecting in "
                  : "cannot connect to " + options_.url + ": " + why + "; retrying in ") +
           seconds,
       true);
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this](error_code ec) { on_retry(ec); });
}

void ws_watch_client::on_retry(error_code ec) {
  if (ec || finishing_)
    return;
  do_connect();
}

void ws_watch_client::on_deadline(error_code ec) {
  if (ec || finishing_)
    return;
  auto seen = std::to_string(events_) +
              (options_.count > 0 ? " of " + std::to_string(options_.count) : "") +
              " events";
  finish(1,
         "timed out after " + std::to_string(options_.timeout_ms) + " ms (" + seen + ")");
}

void ws_watch_client::on_signal(error_code ec, int) {
  if (!ec)
    finish(0, {});
}

void ws_watch_client::finish(int code, const std::string& why) {
  if (std::exchange(finishing_, true))
    return;
  exit_code_ = code;
  if (!why.empty())
    write_line(stderr, "runrelay-watch: " + why);
  error_code ignored;
  signals_.clear(ignored); // a second Ctrl-C ends the process at once
  signals_.cancel(ignored);
  retry_timer_.cancel();
  deadline_timer_.cancel();
  if (!connection_)
    return io_.stop();
  connection_->close(); // on_closed stops the loop
  exit_timer_.expires_after(close_grace);
  exit_timer_.async_wait([this](error_code e) {
    if (!e)
      io_.stop();
  });
}

void ws_watch_client::print(const std::string& line) const {
  if (!line.empty())
    write_line(stdout, line);
}

void ws_watch_client::note(const std::string& text, bool warning) const {
  if (options_.quiet)
    return;
  if (options_.json) // stdout stays pure JSON
    write_line(stderr, "runrelay-watch: " + text);
  else
    write_line(stdout, printer_.notice(text, system_clock::now(), warning));
}

} // namespace runrelay::watch
